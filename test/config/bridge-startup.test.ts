import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const bridgeScript = resolve(repoRoot, "bin", "bridge.ts");

interface BridgeRun {
  code: number | null;
  lines: Record<string, unknown>[];
  output: string;
}

/** Returns a loopback port nothing listens on, so a connect is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((done) => server.close(() => done()));
  return address.port;
}

/**
 * Runs bin/bridge.ts with only the given variables, so no setting of this
 * machine leaks in. NATS_URL defaults to a closed loopback port, so a run
 * that passed its configuration checks never reaches another server.
 */
async function runBridge(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<BridgeRun> {
  const natsUrl = `nats://127.0.0.1:${await closedPort()}`;
  const child = execFile(process.execPath, [bridgeScript], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HEALTH_PORT: "0",
      HEALTH_HOST: "127.0.0.1",
      NATS_URL: natsUrl,
      ...env,
    },
    timeout: timeoutMs,
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((done) =>
    child.on("close", (exitCode) => done(exitCode)),
  );
  const lines = output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, output };
}

/** Returns the problems of the one fatal configuration line of a run. */
function configProblems(run: BridgeRun): string[] {
  assert.equal(run.code, 1, run.output);
  const fatal = run.lines.filter((line) => line.level === "fatal");
  assert.equal(fatal.length, 1, run.output);
  const problems = fatal[0]?.problems;
  assert.ok(Array.isArray(problems), run.output);
  return problems as string[];
}

describe("bridge startup configuration", () => {
  test("unknown LOG_LEVEL is a problem", async () => {
    const problems = configProblems(await runBridge({ LOG_LEVEL: "loud" }));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0] ?? "", /^LOG_LEVEL must be one of /);
    assert.match(problems[0] ?? "", /fatal, error, warn, info/);
    assert.match(problems[0] ?? "", /"loud"/);
  });

  test("empty LOG_LEVEL means info", async () => {
    // pino rejects an empty level, so a crash would come before the report
    // of the one real problem.
    const run = await runBridge({ LOG_LEVEL: "", ACK_WAIT_MS: "5" });
    const problems = configProblems(run);
    assert.deepEqual(problems, [
      'ACK_WAIT_MS must be an integer from 1000 to 9007199254740991, got "5"',
    ]);
    assert.doesNotMatch(run.output, /TypeError|default level/);
  });
});
