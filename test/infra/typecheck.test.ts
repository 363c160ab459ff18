import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  cp,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

// `npm run typecheck:infra` checks sst.config.ts and infra/ against the SST
// platform types of the pinned sst version. The first run on a machine
// downloads that version's platform package (about a minute); later runs
// take about ten seconds.

const root = join(import.meta.dirname, "../..");
let copy: string | undefined;

after(async () => {
  if (copy !== undefined) await rm(copy, { recursive: true, force: true });
});

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs the npm script on the project, or on the app copied to `project`. */
function runTypecheck(project?: string): Promise<RunResult> {
  const extra = project === undefined ? [] : ["--", project];
  const child = spawn(
    process.execPath,
    ["--run", "typecheck:infra", ...extra],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Copies the SST app and misspells `memory` in its job functions. */
async function copyWithTypo(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "sst-typo-"));
  for (const file of ["sst.config.ts", "tsconfig.sst.json", "package.json"]) {
    await cp(join(root, file), join(directory, file));
  }
  await cp(join(root, "infra"), join(directory, "infra"), { recursive: true });
  for (const folder of ["lib", "node_modules"]) {
    await symlink(join(root, folder), join(directory, folder));
  }

  const functionsFile = join(directory, "infra/functions.ts");
  const source = await readFile(functionsFile, "utf8");
  const misspelt = source.replace("    memory: `", "    memry: `");
  assert.notEqual(misspelt, source, "the typo was introduced");
  await writeFile(functionsFile, misspelt);
  return directory;
}

test("infra type-checks against SST types", async () => {
  const result = await runTypecheck();
  assert.equal(result.code, 0, result.output);
});

test("component argument typo fails type check", async () => {
  copy = await copyWithTypo();
  const result = await runTypecheck(copy);

  assert.notEqual(result.code, 0);
  assert.match(result.output, /infra\/functions\.ts.*'memry' does not exist/);
});
