import { type SecretName, secretVariables } from "../lib/config/source.ts";
import type { DeploySettings } from "./settings.ts";

export type Secrets = Partial<Record<SecretName, sst.Secret>>;

/**
 * Creates an `sst.Secret` for each secret these settings use. Set each
 * value once per stage with `sst secret set <Name> <value> --stage <stage>`;
 * a deploy fails while one is unset.
 */
export function createSecrets(settings: DeploySettings): Secrets {
  const secrets: Secrets = {};
  for (const name of usedSecretNames(settings)) {
    secrets[name] = new sst.Secret(name);
  }
  return secrets;
}

/** Lists the secrets a deployment with these settings needs, in table order. */
export function usedSecretNames(settings: DeploySettings): SecretName[] {
  const unused = new Set<SecretName>();
  if (settings.natsAuth !== "token") unused.add("NatsToken");
  if (settings.natsAuth !== "user-password") {
    unused.add("NatsUser");
    unused.add("NatsPassword");
  }
  if (settings.storage.provider !== "r2") {
    unused.add("StorageAccessKeyId");
    unused.add("StorageSecretAccessKey");
  }

  const names = Object.keys(secretVariables) as SecretName[];
  return names.filter((name) => !unused.has(name));
}

/** Returns a secret these settings created, or fails the deploy. */
export function secret(secrets: Secrets, name: SecretName): sst.Secret {
  const found = secrets[name];
  if (found === undefined) {
    throw new Error(`secret ${name} is not created for these settings`);
  }
  return found;
}
