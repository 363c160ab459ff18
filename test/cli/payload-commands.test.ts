import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { loadWireFixtures, wrongShapes } from "../fixtures/wire/fixtures.ts";
import { waitForEvent } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import {
  connectTo,
  sharedNatsUrl,
  testBridgeConfig,
  uniqueNaming,
} from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs, runJobsInProcess } from "./run-jobs.ts";

const postId = "0190a4f2-1b2c-7d3e-8f40-123456789abc";

/** Runs the tasks at most `limit` at a time; each CLI run is a process. */
async function inBatches<Item, Result>(
  items: readonly Item[],
  limit: number,
  task: (item: Item) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = [];
  for (let start = 0; start < items.length; start += limit) {
    results.push(
      ...(await Promise.all(items.slice(start, start + limit).map(task))),
    );
  }
  return results;
}

describe("validate", () => {
  const env = cliEnv(sharedNatsUrl, uniqueNaming());

  test("accepts every golden payload", async () => {
    const fixtures = loadWireFixtures();
    assert.ok(fixtures.length >= 10, "golden fixtures are present");

    const runs = await inBatches(fixtures, 4, (fixture) =>
      runJobsInProcess(
        ["validate", fixture.jobType, "-", "--json"],
        env,
        fixture.body,
      ),
    );
    runs.forEach((run, index) => {
      const fixture = fixtures[index];
      assert.equal(run.code, 0, `${fixture?.name}: ${run.stdout}`);
      assert.deepEqual(jsonOf(run), { valid: true, jobType: fixture?.jobType });
    });
  });

  test("rejects each wrong shape naming the field", async () => {
    const runs = await inBatches(wrongShapes, 4, (shape) =>
      runJobsInProcess(
        ["validate", shape.jobType, "-", "--json"],
        env,
        shape.body,
      ),
    );
    runs.forEach((run, index) => {
      const shape = wrongShapes[index];
      assert.ok(shape !== undefined);
      assert.equal(run.code, 1, shape.case);
      const output = jsonOf<{
        valid: boolean;
        jobType: string;
        reason: string;
      }>(run);
      assert.equal(output.valid, false, shape.case);
      assert.equal(output.jobType, shape.jobType, shape.case);
      assert.match(output.reason, shape.reason, shape.case);
    });
  });

  test("exits 0 and 1 from the installed entry point", async () => {
    const [fixture] = loadWireFixtures();
    assert.ok(fixture !== undefined);
    const valid = await runJobs(
      ["validate", fixture.jobType, "-"],
      env,
      fixture.body,
    );
    assert.equal(valid.code, 0);
    assert.match(valid.stdout, new RegExp(`valid ${fixture.jobType} payload`));

    const invalid = await runJobs(
      ["validate", "email", "-", "--json"],
      env,
      new Uint8Array(),
    );
    assert.equal(invalid.code, 1);
    assert.match(
      jsonOf<{ reason: string }>(invalid).reason,
      /^payload is empty/,
    );
  });

  test("reads a file and prints text without --json", async () => {
    const folder = await mkdtemp(join(tmpdir(), "axumkit-cli-"));
    after(() => rm(folder, { recursive: true, force: true }));
    const path = join(folder, "job.json");
    await writeFile(path, JSON.stringify({ post_id: "42", action: "Index" }));

    const run = await runJobsInProcess(["validate", "index-post", path], env);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /invalid index-post payload: post_id: must be a UUID string/,
    );
  });

  test("exits 2 on usage errors", async () => {
    const unknownJob = await runJobs(
      ["validate", "fax", "-"],
      env,
      new Uint8Array(),
    );
    assert.equal(unknownJob.code, 2);
    assert.match(unknownJob.stderr, /unknown job type "fax"/);

    const missingFile = await runJobsInProcess(
      ["validate", "email", "/nonexistent/job.json"],
      env,
    );
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /cannot read payload file/);

    const unknownOption = await runJobsInProcess(["validate", "--bogus"], env);
    assert.equal(unknownOption.code, 2);

    const missingArgument = await runJobsInProcess(["validate", "email"], env);
    assert.equal(missingArgument.code, 2);
  });

  test("prints help with exit 0 on every command", async () => {
    const commands = [
      [],
      ["status"],
      ["validate"],
      ["publish"],
      ["dlq"],
      ["dlq", "list"],
      ["dlq", "show"],
      ["dlq", "replay"],
      ["dlq", "purge"],
      ["reindex"],
      ["cron"],
      ["cron", "run"],
    ];
    const runs = await inBatches(commands, 4, (command) =>
      runJobsInProcess([...command, "--help"], env),
    );
    runs.forEach((run, index) => {
      const name = commands[index]?.join(" ") || "(top level)";
      assert.equal(run.code, 0, name);
      assert.match(run.stdout, /^Usage: axumkit-jobs/, name);
    });
    assert.match(runs[0]?.stdout ?? "", /Exit codes:/);
  });
});

describe("publish", () => {
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"]);
  const env = cliEnv(sharedNatsUrl, config.naming);
  const address = addressOf("index-post", config.naming);
  const body = new TextEncoder().encode(
    JSON.stringify({ post_id: postId, action: "Index" }),
  );

  before(async () => {
    const connection = await connectTo(sharedNatsUrl);
    await provision(await jetstreamManager(connection), config);
    await connection.close();
  });
  after(async () => {
    const connection = await connectTo(sharedNatsUrl);
    const jsm = await jetstreamManager(connection);
    await jsm.streams.delete(address.stream).catch(() => false);
    await jsm.streams.delete(config.naming.deadLetterStream).catch(() => false);
    await connection.close();
  });

  test("stores a payload once per derived message id", async () => {
    const first = await runJobs(
      ["publish", "index-post", "-", "--json"],
      env,
      body,
    );
    assert.equal(first.code, 0, first.stderr);
    const published = jsonOf<Record<string, unknown>>(first);
    assert.equal(published.published, true);
    assert.equal(published.jobType, "index-post");
    assert.equal(published.subject, address.subject);
    assert.equal(published.stream, address.stream);
    assert.equal(published.sequence, 1);
    assert.equal(published.duplicate, false);
    assert.match(String(published.msgId), /^cli:index-post:[0-9a-f]{32}$/);

    const again = jsonOf<Record<string, unknown>>(
      await runJobs(["publish", "index-post", "-", "--json"], env, body),
    );
    assert.equal(again.sequence, 1);
    assert.equal(again.duplicate, true);
    assert.equal(again.msgId, published.msgId);

    const givenId = await runJobs(
      ["publish", "index-post", "-", "--msg-id", "app-42"],
      env,
      body,
    );
    assert.equal(givenId.code, 0);
    assert.match(
      givenId.stdout,
      new RegExp(`stream ${address.stream} sequence 2`),
    );
  });

  test("does not publish an invalid payload", async () => {
    const connection = await connectTo(sharedNatsUrl);
    after(() => connection.close());
    const jsm = await jetstreamManager(connection);
    const before = (await jsm.streams.info(address.stream)).state.last_seq;

    const run = await runJobs(
      ["publish", "index-post", "-", "--json"],
      env,
      new TextEncoder().encode(
        JSON.stringify({ post_id: postId, action: "index" }),
      ),
    );
    assert.equal(run.code, 1);
    const output = jsonOf<Record<string, unknown>>(run);
    assert.equal(output.published, false);
    assert.match(String(output.reason), /^action: /);
    assert.equal(
      (await jsm.streams.info(address.stream)).state.last_seq,
      before,
    );
  });

  test("--no-validate publishes raw bytes", async () => {
    const connection = await connectTo(sharedNatsUrl);
    after(() => connection.close());
    const bridge = await Bridge.start({
      config,
      invoker: invokerFor({
        "index-post": testHandler("index-post", async () => {}),
      }),
    });
    after(() => bridge.stop());
    const deadLettered = waitForEvent<{ jobType: string }>(
      bridge.events,
      "job.dead-lettered",
    );

    const raw = new TextEncoder().encode('{"post_id": "not a uuid"');
    const run = await runJobs(
      ["publish", "index-post", "-", "--no-validate", "--json"],
      env,
      raw,
    );
    assert.equal(run.code, 0, run.stderr);
    const output = jsonOf<Record<string, unknown>>(run);
    assert.equal(output.published, true);
    assert.equal(output.valid, false);
    assert.match(run.stderr, /warning: publishing an invalid index-post/);

    await deadLettered;
    const listed = jsonOf<{
      deadLetters: {
        sequence: number;
        failureKind: string;
        originalSequence: number;
      }[];
    }>(await runJobs(["dlq", "list", "--json"], env));
    const deadLetter = listed.deadLetters.find(
      (item) => item.originalSequence === output.sequence,
    );
    assert.ok(deadLetter !== undefined, "the job was not dead-lettered");
    assert.equal(deadLetter.failureKind, "invalid");
    const jsm = await jetstreamManager(connection);
    const stored = await jsm.streams.getMessage(
      config.naming.deadLetterStream,
      { seq: deadLetter.sequence },
    );
    assert.deepEqual(stored?.data, raw);
  });

  test("exits 3 when the stream or NATS is missing", async () => {
    const noStream = await runJobs(
      ["publish", "email", "-", "--json"],
      env,
      new TextEncoder().encode(
        JSON.stringify({
          to: "ann@example.com",
          subject: "Hi",
          template: { Custom: { html_content: "<p>hi</p>" } },
        }),
      ),
    );
    assert.equal(noStream.code, 3);
    const error = jsonOf<{ error: { message: string; exitCode: number } }>(
      noStream,
    ).error;
    assert.match(error.message, /stream ".*_email" does not exist/);
    assert.equal(error.exitCode, 3);

    const noNats = await runJobs(
      ["publish", "index-post", "-"],
      { ...env, NATS_URL: "nats://127.0.0.1:1" },
      body,
    );
    assert.equal(noNats.code, 3);
    assert.match(
      noNats.stderr,
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );

    const badConfig = await runJobs(["status"], {
      ...env,
      MAX_DELIVER: "zero",
    });
    assert.equal(badConfig.code, 3);
    assert.match(badConfig.stderr, /MAX_DELIVER must be an integer/);
  });
});
