import type { EnvSource } from "./env-reader.ts";

/**
 * The `sst.Secret` components of the deployed app and the environment
 * variable each one sets. `infra/secrets.ts` creates the secrets from this
 * table, and a deployed function reads a linked secret's `value` under the
 * variable named here, the same name a local run reads from the environment.
 */
export const secretVariables = {
  DatabaseUrl: "DATABASE_URL",
  UpstashRedisRestUrl: "UPSTASH_REDIS_REST_URL",
  UpstashRedisRestToken: "UPSTASH_REDIS_REST_TOKEN",
  MeilisearchApiKey: "MEILISEARCH_API_KEY",
  NatsToken: "NATS_TOKEN",
  NatsUser: "NATS_USER",
  NatsPassword: "NATS_PASSWORD",
  StorageAccessKeyId: "STORAGE_ACCESS_KEY_ID",
  StorageSecretAccessKey: "STORAGE_SECRET_ACCESS_KEY",
} as const;

export type SecretName = keyof typeof secretVariables;

/** Linked resources by name, as `Resource` from `sst` lists them. */
export type LinkedResources = Readonly<Record<string, unknown>>;

const resourceVariablePrefix = "SST_RESOURCE_";

// The sources `sst/resource` (sst 4.17) reads links from: `SST_*` variables
// (one per resource, a JSON list, or the key and path of an encrypted file)
// and globals that SST's Lambda wrapper and earlier loads set.
const sstVariablePrefix = "SST_";
const sstGlobals = [
  "$SST_LINKS",
  "SST_KEY_FILE_DATA",
  "__SST_RESOURCE_RAW__",
] as const;

/**
 * `Resource` from `sst`, imported only when the process starts with an SST
 * variable or global, because the import costs about 10 ms of CPU
 * (measured on the development machine, Node 24). The literal `import()`
 * keeps `sst` in the bundle that esbuild builds for a deployed function.
 */
const sstResource = hasSstLinks(process.env)
  ? (await loadSst()).resource
  : undefined;

const variableNamePattern = /^[A-Z][A-Z0-9_]*$/;

/**
 * Builds the configuration the code reads: the environment, overlaid with
 * the values of the SST resources linked to this function or container.
 *
 * A deployed process gets its links from `Resource` (environment variables
 * `SST_RESOURCE_<Name>` holding JSON, or the encrypted file of a Lambda
 * function). Two kinds of link become variables:
 * - a property named like an environment variable (`CONTENT_BUCKET`) sets
 *   that variable, which is how `sst.Linkable`s in `infra/` carry settings;
 * - a secret listed in `secretVariables` sets its variable from `value`.
 *
 * Locally no resource is linked, so the environment is used as it is.
 */
export function configSource(
  environment: EnvSource = process.env,
  resources: LinkedResources = linkedResources(environment),
): EnvSource {
  const overlay: Record<string, string> = {};

  for (const [name, resource] of Object.entries(resources)) {
    if (!isRecord(resource)) continue;

    for (const [property, value] of Object.entries(resource)) {
      if (variableNamePattern.test(property) && value !== undefined) {
        overlay[property] = settingText(value);
      }
    }

    if (isSecretName(name) && typeof resource.value === "string") {
      overlay[secretVariables[name]] = resource.value;
    }
  }

  if (Object.keys(overlay).length === 0) return environment;
  return { ...environment, ...overlay };
}

/**
 * Returns the resources linked to this process. For `process.env` that is
 * what `Resource` from `sst` loads, which includes a Lambda function's
 * encrypted links. For any other source it is the `SST_RESOURCE_*`
 * variables of that source, so tests can give links the way SST sets them.
 * A process that started without SST links has not loaded `sst`, so its
 * `SST_RESOURCE_*` variables are parsed the same way.
 */
export function linkedResources(environment: EnvSource): LinkedResources {
  if (environment !== process.env || sstResource === undefined) {
    return parseResourceVariables(environment);
  }
  return Object.fromEntries(
    Object.keys(sstResource).map((name) => [name, sstResource[name]]),
  );
}

function hasSstLinks(environment: EnvSource): boolean {
  const globals = globalThis as Record<string, unknown>;
  if (sstGlobals.some((name) => globals[name] !== undefined)) return true;
  return Object.keys(environment).some((variable) =>
    variable.startsWith(sstVariablePrefix),
  );
}

/**
 * Imports `sst/resource`. `Resource` is wrapped, because resolving a
 * promise with it reads its `then`, and `Resource` throws for any name
 * that is not linked.
 */
async function loadSst(): Promise<{ resource: Record<string, unknown> }> {
  const { Resource } = await import("sst/resource");
  return { resource: Resource as unknown as Record<string, unknown> };
}

/** Parses the `SST_RESOURCE_<Name>` variables, each holding JSON. */
export function parseResourceVariables(
  environment: EnvSource,
): LinkedResources {
  const resources: Record<string, unknown> = {};

  for (const [variable, text] of Object.entries(environment)) {
    if (!variable.startsWith(resourceVariablePrefix) || !text) continue;

    const name = variable.slice(resourceVariablePrefix.length);
    try {
      resources[name] = JSON.parse(text);
    } catch (error) {
      throw new Error(
        `${variable} is not valid JSON; SST sets it to the linked resource's properties`,
        { cause: error },
      );
    }
  }
  return resources;
}

function isSecretName(name: string): name is SecretName {
  return Object.hasOwn(secretVariables, name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Lists become comma-separated, as `EnvReader.list` reads them. */
function settingText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(String).join(",");
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return JSON.stringify(value);
}
