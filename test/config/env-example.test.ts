import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";

const repoRoot = resolve(import.meta.dirname, "..", "..");

/** Source folders and files whose environment reads must be documented. */
const sources = [
  "lib",
  "functions",
  "bin",
  "scripts",
  "infra",
  "sst.config.ts",
];

/**
 * Variables the code reads that a user does not set: the Lambda runtime
 * and AWS SDK set them, or the local tools pass them to their own children.
 */
const notUserSettings = new Set([
  "AWS_DEFAULT_REGION",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AXUMKIT_DEV_PID",
  "LOCAL_LAMBDA_MODULE",
]);

/** Ways the code reads a variable: the EnvReader methods and plain env. */
const readPatterns = [
  /\.(?:required|optional|string|integer|boolean|list|choice)\(\s*"([A-Z][A-Z0-9_]+)"/g,
  /\(\s*env,\s*"([A-Z][A-Z0-9_]+)"/g,
  /\benv\??\.([A-Z][A-Z0-9_]+)\b/g,
  /\benv\[\s*"([A-Z][A-Z0-9_]+)"\s*\]/g,
];

function typeScriptFiles(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith(".ts") ? [path] : [];
  return readdirSync(path).flatMap((entry) =>
    typeScriptFiles(join(path, entry)),
  );
}

function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const source of sources) {
    for (const file of typeScriptFiles(join(repoRoot, source))) {
      const text = readFileSync(file, "utf8");
      for (const pattern of readPatterns) {
        for (const match of text.matchAll(pattern)) {
          const name = match[1] as string;
          if (!found.has(name)) found.set(name, file.slice(repoRoot.length));
        }
      }
    }
  }
  return found;
}

function documentedVariables(): Set<string> {
  const text = readFileSync(join(repoRoot, ".env.example"), "utf8");
  return new Set(
    [...text.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map(
      (match) => match[1] as string,
    ),
  );
}

test(".env.example lists every variable", () => {
  const read = variablesRead();
  assert.ok(read.has("NATS_URL"), "the scan finds NATS_URL");
  assert.ok(read.has("R2_PUBLIC_DOMAIN"), "the scan finds readBaseUrl");

  const documented = documentedVariables();
  const missing = [...read]
    .filter(([name]) => !documented.has(name) && !notUserSettings.has(name))
    .map(([name, file]) => `${name} (read in ${file})`);
  assert.deepEqual(missing, []);
});
