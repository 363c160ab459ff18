import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseEnv } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  devStackPidVariable,
  formatEnvFile,
  readStackEnvFile,
  removeStackEnvFile,
  removeStaleStackEnvFile,
  writeStackEnvFile,
} from "../../lib/local/stack-env-file.ts";
import { sharedNatsUrl } from "../support/nats.ts";
import { type CliRun, jsonOf } from "./run-jobs.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
const nodeBin = join(repoRoot, "node_modules", ".bin");
const defaultHealthPort = 9464;

describe("stack env file", () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), "stack-env-"));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  test("round-trips awkward values", () => {
    const variables = {
      HASH: "a#b",
      SPACES: " two words ",
      DOUBLE: 'say "hi"',
      BOTH: `it's "quoted"`,
      URL: "postgres://user:p%40ss@127.0.0.1:5432/db?x=1",
    };
    assert.deepEqual(parseEnv(formatEnvFile(variables)), variables);
  });

  test("rejects line breaks", () => {
    assert.throws(() => formatEnvFile({ A: "x\ny" }), /line break/);
  });

  test("writes private file with pid", async () => {
    const path = join(folder, "owned", "stack.env");
    await writeStackEnvFile(path, { NATS_URL: "nats://127.0.0.1:1" });
    const written = readStackEnvFile(path);
    assert.equal(written?.NATS_URL, "nats://127.0.0.1:1");
    assert.equal(written?.[devStackPidVariable], String(process.pid));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  test("removes only its own file", async () => {
    const path = join(folder, "stack.env");
    const first = await writeStackEnvFile(path, { A: "1" });
    await writeFile(path, "A=2\n");
    await removeStackEnvFile(path, first);
    assert.equal(await readFile(path, "utf8"), "A=2\n");

    const second = await writeStackEnvFile(path, { A: "3" });
    await removeStackEnvFile(path, second);
    assert.equal(readStackEnvFile(path), undefined);
  });

  test("removes file of dead process", async () => {
    const path = join(folder, "stale.env");
    const exited = spawn(process.execPath, ["-e", ""]);
    await once(exited, "exit");
    await writeFile(path, formatEnvFile({ AXUMKIT_DEV_PID: `${exited.pid}` }));
    assert.equal(await removeStaleStackEnvFile(path), true);
    assert.equal(readStackEnvFile(path), undefined);

    await writeStackEnvFile(path, { A: "1" });
    assert.equal(await removeStaleStackEnvFile(path), false);
    assert.notEqual(readStackEnvFile(path), undefined);
  });
});

/**
 * Builds a checkout of links to the repository's files, run with preserved
 * symlinks so `npm run dev` keeps its `.dev/` folder here and not in the
 * repository.
 */
async function linkCheckout(folder: string): Promise<void> {
  const entries = [
    "bin",
    "lib",
    "functions",
    "templates",
    "db",
    "node_modules",
    "package.json",
  ];
  for (const entry of entries) {
    await symlink(join(repoRoot, entry), join(folder, entry));
  }
  // A newcomer's first step: every variable of .env.example is blank.
  await copyFile(join(repoRoot, ".env.example"), join(folder, ".env"));
}

function checkoutEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${nodeBin}:${process.env.PATH}`,
    HOME: process.env.HOME,
    ...extra,
  };
}

/**
 * Runs the `dev` npm script's command in the checkout, with symlinks
 * preserved (npm itself breaks under that flag, so not through npm), and
 * resolves once it wrote the stack env file. `detached` makes dev the leader
 * of its own process group, as a shell makes a foreground command. `output`
 * keeps growing until the process exits.
 */
async function startDev(
  folder: string,
  options: { detached?: boolean } = {},
): Promise<{ child: ChildProcess; output: string; text(): string }> {
  const manifest = JSON.parse(
    await readFile(join(repoRoot, "package.json"), "utf8"),
  ) as { scripts: Record<string, string> };
  const command = (manifest.scripts.dev ?? "").replace(
    /^node /,
    "node --preserve-symlinks --preserve-symlinks-main ",
  );
  const child = spawn("sh", ["-c", `exec ${command}`], {
    cwd: folder,
    env: checkoutEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let output = "";
  await new Promise<void>((resolveStart, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      output += text;
      if (output.includes("stack variables written")) resolveStart();
    });
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    child.once("exit", (code) =>
      reject(new Error(`npm run dev exited with ${code}:\n${output}`)),
    );
  });
  return { child, output, text: () => output };
}

/** Pids of the servers a dev run recorded in `.dev/children/<dev pid>.json`. */
async function recordedChildren(folder: string, devPid: number) {
  const path = join(folder, ".dev", "children", `${devPid}.json`);
  const records = JSON.parse(await readFile(path, "utf8")) as {
    pid: number;
    cmdline: string;
  }[];
  return records;
}

/** Whether the pid runs and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8") !== "";
  } catch {
    return false;
  }
}

/** Runs `npm run jobs -- ...` in the checkout, as a second terminal would. */
async function npmJobs(
  folder: string,
  args: string[],
  extra: Record<string, string> = {},
): Promise<CliRun> {
  const child = spawn("npm", ["run", "--silent", "jobs", "--", ...args], {
    cwd: folder,
    env: checkoutEnv(extra),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const [code, signal] = (await once(child, "close")) as [
    number | null,
    NodeJS.Signals | null,
  ];
  return { code, signal, stdout, stderr };
}

async function lastSequence(
  natsUrl: string,
  stream: string,
): Promise<number | undefined> {
  const connection = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(connection);
    const info = await jsm.streams.info(stream).catch(() => undefined);
    return info?.state.last_seq;
  } finally {
    await connection.close();
  }
}

describe("CLI against npm run dev", () => {
  let folder: string;
  let dev: ChildProcess;
  let devOutput: string;
  const blocker = createServer();
  let stackEnv: Record<string, string>;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), "dev-checkout-"));
    await linkCheckout(folder);
    await mkdir(join(folder, ".dev"));
    // Holds the default health port unless something else already does,
    // so dev has to fall back to a free one.
    blocker.listen(defaultHealthPort, "127.0.0.1");
    await once(blocker, "listening").catch(() => undefined);
    ({ child: dev, output: devOutput } = await startDev(folder));
    stackEnv = readStackEnvFile(join(folder, ".dev", "stack.env")) ?? {};
  });
  after(async () => {
    if (dev.exitCode === null) {
      dev.kill("SIGTERM");
      await once(dev, "exit");
    }
    blocker.close();
    await rm(folder, { recursive: true, force: true });
  });

  test("taken health port falls back", () => {
    assert.match(devOutput, /default health port in use/);
    assert.doesNotMatch(devOutput, new RegExp(`:${defaultHealthPort}/healthz`));
  });

  test("start-up lines hide the token", () => {
    const token = stackEnv.UPSTASH_REDIS_REST_TOKEN ?? "";
    assert.ok(token.length > 0);
    assert.ok(!devOutput.includes(token), "REST token printed");
    assert.match(devOutput, /"webSocketProxy":"127\.0\.0\.1:\d+\/v2"/);
    assert.match(devOutput, /"name":"redis".*"restUrl":"http:/);
  });

  test("stack file names every service", () => {
    assert.match(stackEnv.NATS_URL ?? "", /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(stackEnv.NATS_URL, sharedNatsUrl);
    assert.equal(stackEnv.STORAGE_ACCESS_KEY_ID, "S3RVER");
    assert.equal(stackEnv.STORAGE_SECRET_ACCESS_KEY, "S3RVER");
    assert.ok(stackEnv.DATABASE_URL, "DATABASE_URL");
    assert.ok(stackEnv.DATABASE_WS_PROXY, "DATABASE_WS_PROXY");
    assert.ok(stackEnv.UPSTASH_REDIS_REST_TOKEN, "REST token");
    assert.ok(stackEnv.R2_PUBLIC_DOMAIN, "R2_PUBLIC_DOMAIN");
    assert.ok(stackEnv.SES_ENDPOINT, "SES_ENDPOINT");
  });

  test("status reaches the dev stack", async () => {
    const run = await npmJobs(folder, ["status", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = jsonOf<{ jobTypes: { missing: unknown }[] }>(run);
    assert.equal(report.jobTypes.length, 6);
    for (const row of report.jobTypes) assert.equal(row.missing, null);
  });

  test("publish lands on dev NATS", async () => {
    const stream = "axumkit_jobs_delete_content";
    const sharedBefore = await lastSequence(sharedNatsUrl, stream);
    const fixture = join(
      repoRoot,
      "test/fixtures/wire/delete-content.keys.json",
    );
    const run = await npmJobs(folder, [
      "publish",
      "delete-content",
      fixture,
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const { sequence } = jsonOf<{ sequence: number }>(run);

    const devNatsUrl = stackEnv.NATS_URL ?? "";
    assert.equal(await lastSequence(devNatsUrl, stream), sequence);
    assert.equal(await lastSequence(sharedNatsUrl, stream), sharedBefore);
  });

  test("shell NATS_URL wins, names source", async () => {
    const run = await npmJobs(folder, ["status"], {
      NATS_URL: "nats://127.0.0.1:1",
    });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /nats:\/\/127\.0\.0\.1:1 \(NATS_URL\)/);
  });

  test("stop removes stack file", async () => {
    dev.kill("SIGTERM");
    await once(dev, "exit");
    assert.equal(
      readStackEnvFile(join(folder, ".dev", "stack.env")),
      undefined,
    );
  });
});

describe("dev process group", () => {
  let folder: string;
  const started: ChildProcess[] = [];

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), "dev-group-"));
    await linkCheckout(folder);
  });
  after(async () => {
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
    await rm(folder, { recursive: true, force: true });
  });

  test("group SIGINT stops cleanly", async () => {
    const dev = await startDev(folder, { detached: true });
    started.push(dev.child);
    const pid = dev.child.pid ?? 0;
    const children = await recordedChildren(folder, pid);
    const names = children.map(({ cmdline }) => cmdline.split("\0")[0]);
    assert.ok(names.includes("nats-server"), names.join(" "));

    // A terminal's Ctrl-C: SIGINT to every process of the group.
    process.kill(-pid, "SIGINT");
    const [code] = await once(dev.child, "exit");
    assert.equal(code, 0, dev.text());

    const lines = dev
      .text()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    const warnings = lines.filter((line) =>
      ["warn", "error", "fatal"].includes(line.level),
    );
    assert.deepEqual(warnings, []);
    assert.ok(lines.some((line) => line.msg === "bridge stopped"));
    for (const child of children) {
      assert.equal(isAlive(child.pid), false, `pid ${child.pid} left`);
    }
  });

  test("next run stops killed run's servers", async () => {
    const first = await startDev(folder, { detached: true });
    started.push(first.child);
    const firstPid = first.child.pid ?? 0;
    const children = await recordedChildren(folder, firstPid);
    const nats = children.find(({ cmdline }) =>
      cmdline.startsWith("nats-server\0"),
    );
    assert.ok(nats, "nats-server recorded");

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    assert.equal(isAlive(nats.pid), true, "nats-server outlived SIGKILL");

    const second = await startDev(folder, { detached: true });
    started.push(second.child);
    assert.equal(isAlive(nats.pid), false, "old nats-server still runs");
    assert.match(second.output, /stopped server left by a killed dev run/);
    await rm(join(folder, ".dev", "children", `${firstPid}.json`)).then(
      () => assert.fail("record of the killed run kept"),
      (error: NodeJS.ErrnoException) => assert.equal(error.code, "ENOENT"),
    );
  });
});
