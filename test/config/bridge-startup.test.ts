import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { readBridgeConfig } from "../../lib/config/bridge.ts";
import { ConfigError } from "../../lib/errors.ts";
import { connectTo, startOwnNatsServer } from "../support/nats.ts";

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

/** Returns the problems readBridgeConfig reports for the given variables. */
function bridgeProblems(source: Record<string, string>): readonly string[] {
  try {
    readBridgeConfig(source);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
}

describe("bridge settings checks", () => {
  const rejected: [string, Record<string, string>, RegExp][] = [
    ["commas only", { NATS_URL: ",,," }, /^NATS_URL lists no server/],
    [
      "blank job types",
      { BRIDGE_JOB_TYPES: " , " },
      /^BRIDGE_JOB_TYPES names no job type/,
    ],
    [
      "subject wildcard",
      { JOB_SUBJECT_PREFIX: "wild.*" },
      /^JOB_SUBJECT_PREFIX /,
    ],
    ["subject tail", { JOB_SUBJECT_PREFIX: "jobs.>" }, /^JOB_SUBJECT_PREFIX /],
    [
      "subject space",
      { JOB_SUBJECT_PREFIX: "my jobs" },
      /^JOB_SUBJECT_PREFIX /,
    ],
    ["empty token", { JOB_SUBJECT_PREFIX: "a..b" }, /^JOB_SUBJECT_PREFIX /],
    [
      "DLQ subject wildcard",
      { DLQ_SUBJECT_PREFIX: "d.*" },
      /^DLQ_SUBJECT_PREFIX /,
    ],
    ["stream dot", { JOB_STREAM_PREFIX: "bad.name" }, /^JOB_STREAM_PREFIX /],
    ["stream slash", { JOB_STREAM_PREFIX: "a/b" }, /^JOB_STREAM_PREFIX /],
    ["stream backslash", { JOB_STREAM_PREFIX: "a\\b" }, /^JOB_STREAM_PREFIX /],
    ["stream star", { JOB_STREAM_PREFIX: "a*" }, /^JOB_STREAM_PREFIX /],
    ["DLQ stream space", { DLQ_STREAM: "dead letters" }, /^DLQ_STREAM /],
    ["DLQ stream greater", { DLQ_STREAM: "dlq>" }, /^DLQ_STREAM /],
    [
      "DLQ stream is job stream",
      { JOB_STREAM_PREFIX: "q", DLQ_STREAM: "q_email" },
      /^DLQ_STREAM "q_email" is the name of a job stream/,
    ],
  ];
  for (const [name, source, expected] of rejected) {
    test(`rejects ${name}`, () => {
      const problems = bridgeProblems(source);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0] ?? "", expected);
    });
  }

  const overlapping: [string, string][] = [
    ["ov.jobs", "ov.jobs"],
    ["ov.jobs", "ov.jobs.dlq"],
    ["ov", "ov.jobs"],
  ];
  for (const [jobs, deadLetters] of overlapping) {
    test(`rejects DLQ prefix ${deadLetters} under ${jobs}`, () => {
      const problems = bridgeProblems({
        JOB_SUBJECT_PREFIX: jobs,
        DLQ_SUBJECT_PREFIX: deadLetters,
      });
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0] ?? "", /DLQ_SUBJECT_PREFIX/);
      assert.match(problems[0] ?? "", /JOB_SUBJECT_PREFIX/);
    });
  }

  test("accepts sibling prefixes", () => {
    const problems = bridgeProblems({
      NATS_URL: "nats://127.0.0.1:1, nats://127.0.0.1:2",
      BRIDGE_JOB_TYPES: "email, delete-content",
      JOB_SUBJECT_PREFIX: "ov.jobs",
      DLQ_SUBJECT_PREFIX: "ov.jobsdlq",
      JOB_STREAM_PREFIX: "ov-jobs",
      DLQ_STREAM: "ov_dlq",
    });
    assert.deepEqual(problems, []);
  });
});

/**
 * Complete Lambda settings, so a run reports only the problems a test
 * sets up and not the in-process functions' missing settings.
 */
const lambdaSettings = {
  BRIDGE_INVOKER: "lambda",
  LAMBDA_FUNCTION_PREFIX: "axumkit-",
  LAMBDA_REGION: "us-east-1",
};

describe("bridge startup configuration", () => {
  test("unknown LOG_LEVEL is a problem", async () => {
    const problems = configProblems(
      await runBridge({ ...lambdaSettings, LOG_LEVEL: "loud" }),
    );
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0] ?? "", /^LOG_LEVEL must be one of /);
    assert.match(problems[0] ?? "", /fatal, error, warn, info/);
    assert.match(problems[0] ?? "", /"loud"/);
  });

  test("empty LOG_LEVEL means info", async () => {
    // pino rejects an empty level, so a crash would come before the report
    // of the one real problem.
    const run = await runBridge({
      ...lambdaSettings,
      LOG_LEVEL: "",
      ACK_WAIT_MS: "5",
    });
    const problems = configProblems(run);
    assert.deepEqual(problems, [
      'ACK_WAIT_MS must be an integer from 1000 to 9007199254740991, got "5"',
    ]);
    assert.doesNotMatch(run.output, /TypeError|default level/);
  });

  test("health and bridge together", async () => {
    const problems = configProblems(
      await runBridge({
        ...lambdaSettings,
        ACK_WAIT_MS: "5",
        HEALTH_PORT: "99999",
      }),
    );
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0] ?? "", /^ACK_WAIT_MS /);
    assert.match(problems[1] ?? "", /^HEALTH_PORT /);
  });

  test("Lambda and bridge together", async () => {
    const problems = configProblems(
      await runBridge({
        BRIDGE_INVOKER: "lambda",
        BRIDGE_JOB_TYPES: "email,index-post",
        ACK_WAIT_MS: "5",
      }),
    );
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0] ?? "", /^ACK_WAIT_MS /);
    assert.match(
      problems[1] ?? "",
      /^LAMBDA_FUNCTION_EMAIL, LAMBDA_FUNCTION_INDEX_POST are missing/,
    );
    assert.match(problems[2] ?? "", /^LAMBDA_REGION/);
  });

  test("every function before provisioning", async () => {
    const nats = await startOwnNatsServer();
    try {
      const problems = configProblems(
        await runBridge({ NATS_URL: nats.url, LOG_LEVEL: "loud" }),
      );
      for (const expected of [
        "LOG_LEVEL must be one of",
        "EMAILS_FROM_EMAIL is missing",
        "UPSTASH_REDIS_REST_URL is missing",
        "MEILISEARCH_HOST is missing",
        "DATABASE_URL is missing",
        "CONTENT_BUCKET is missing",
      ]) {
        const found = problems.filter((line) => line.startsWith(expected));
        assert.equal(found.length, 1, `${expected} in\n${problems.join("\n")}`);
      }

      const connection = await connectTo(nats.url);
      const jsm = await jetstreamManager(connection);
      const streams = await jsm.streams.names().next();
      await connection.close();
      assert.deepEqual(streams, []);
    } finally {
      await nats.dispose();
    }
  });

  test("unreachable NATS logs each attempt", async () => {
    const natsUrl = `nats://127.0.0.1:${await closedPort()}`;
    const child = spawn(process.execPath, [bridgeScript], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? "",
        HEALTH_PORT: "0",
        HEALTH_HOST: "127.0.0.1",
        NATS_URL: natsUrl,
        ...lambdaSettings,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const warnings: Record<string, unknown>[] = [];
    try {
      for await (const text of createInterface({ input: child.stdout })) {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (line.msg === "connecting to NATS failed") warnings.push(line);
        if (warnings.length === 2) break;
      }
    } finally {
      child.kill();
    }

    assert.equal(warnings.length, 2);
    assert.equal(warnings[0]?.level, "warn");
    assert.equal(warnings[0]?.attempt, 1);
    assert.equal(warnings[1]?.attempt, 2);
    assert.deepEqual(warnings[0]?.servers, [natsUrl]);
    assert.equal(warnings[0]?.retryInMs, 1_000);
    assert.equal(warnings[1]?.retryInMs, 2_000);
    const error = warnings[0]?.err as { message?: string } | undefined;
    assert.match(error?.message ?? "", /connection refused/);
  });
});
