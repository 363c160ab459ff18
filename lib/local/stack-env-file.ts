// The env file `npm run dev` writes for the stack it runs, so the CLI and
// the seed script in another terminal reach the same services. The `jobs`
// and `seed` npm scripts load it with `node --env-file-if-exists`.
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseEnv } from "node:util";

/** `.dev/stack.env` in the checkout; git-ignored with the rest of `.dev/`. */
export const devStackEnvPath = resolve(
  import.meta.dirname,
  "..",
  "..",
  ".dev",
  "stack.env",
);

/** Variable naming the process that wrote the file. */
export const devStackPidVariable = "AXUMKIT_DEV_PID";

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Formats variables as an env file that `node --env-file` and
 * `util.parseEnv` read back unchanged. Each value is quoted with a quote
 * character it does not contain, so `#` and spaces survive.
 */
export function formatEnvFile(variables: Record<string, string>): string {
  const lines = [
    "# Written by npm run dev for the stack it runs; removed when it stops.",
    "# Do not edit: set variables in .env or the shell instead.",
  ];
  for (const [name, value] of Object.entries(variables)) {
    if (!namePattern.test(name)) {
      throw new Error(`invalid environment variable name "${name}"`);
    }
    if (/[\r\n]/.test(value)) {
      throw new Error(`value of ${name} contains a line break`);
    }
    const quote = ['"', "'", "`"].find((mark) => !value.includes(mark));
    if (quote === undefined) {
      throw new Error(`value of ${name} contains every quote character`);
    }
    lines.push(`${name}=${quote}${value}${quote}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the file through a temporary file and a rename, so a reader sees
 * either no file or all of it. Mode 0600, because it carries secrets such
 * as the local Redis REST token.
 */
export async function writeStackEnvFile(
  path: string,
  variables: Record<string, string>,
): Promise<string> {
  const text = formatEnvFile({
    ...variables,
    [devStackPidVariable]: String(process.pid),
  });
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
  return text;
}

/**
 * Removes the file when it still contains `text`, so a dev run that stops
 * leaves the file of a newer run in place.
 */
export async function removeStackEnvFile(
  path: string,
  text: string,
): Promise<void> {
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === text) await rm(path, { force: true });
}

/**
 * Removes the file when the process that wrote it no longer runs (a dev
 * run killed with SIGKILL leaves it behind). Returns whether it removed it.
 */
export async function removeStaleStackEnvFile(path: string): Promise<boolean> {
  const variables = readStackEnvFile(path);
  if (variables === undefined) return false;

  const pid = Number(variables[devStackPidVariable]);
  if (Number.isSafeInteger(pid) && pid > 0 && isRunning(pid)) return false;
  await rm(path, { force: true });
  return true;
}

/** Returns the file's variables, or undefined when there is no file. */
export function readStackEnvFile(
  path: string = devStackEnvPath,
): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseEnv(text) as Record<string, string>;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
