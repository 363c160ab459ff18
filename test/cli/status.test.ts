import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { provision } from "../../lib/bridge/provision.ts";
import type { StatusReport } from "../../lib/cli/status.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { eventually } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs, runJobsInProcess } from "./run-jobs.ts";

// No bridge runs here: the jobs stay in their streams, as when the
// functions are down, and the test moves deliveries by hand.
const config = testBridgeConfig([sharedNatsUrl], ["index-post", "email"]);
const env = cliEnv(sharedNatsUrl, config.naming);
const indexPost = addressOf("index-post", config.naming);
const postId = "0190a4f2-1b2c-7d3e-8f40-123456789abc";
let connection: NatsConnection;

before(async () => {
  connection = await connectTo(sharedNatsUrl);
  await provision(await jetstreamManager(connection), config);

  const js = jetstream(connection);
  for (const action of ["Index", "Delete", "Index"]) {
    await js.publish(
      indexPost.subject,
      JSON.stringify({ post_id: postId, action }),
    );
  }
  await js.publish(`${config.naming.deadLetterSubjectPrefix}.index-post`, "{}");

  // One delivery nak'ed and delivered again, still unacked: redelivered.
  const consumer = await js.consumers.get(indexPost.stream, indexPost.consumer);
  const first = await consumer.next();
  first?.nak();
  // The server must see the nak before the next pull, or it hands out the
  // next job instead of the nak'ed one.
  await connection.flush();
  const again = await consumer.next();
  assert.equal(again?.info.deliveryCount, 2);
});

after(async () => {
  const jsm = await jetstreamManager(connection);
  for (const jobType of config.jobTypes) {
    await jsm.streams.delete(addressOf(jobType, config.naming).stream);
  }
  await jsm.streams.delete(config.naming.deadLetterStream);
  await connection.close();
});

test("status reports counts per job type", async () => {
  const run = await runJobs(
    [
      "status",
      "--job",
      "index-post",
      "email",
      "--stuck-after",
      "3600",
      "--json",
    ],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  const report = jsonOf<StatusReport>(run);

  assert.equal(report.stuckAfterSeconds, 3600);
  assert.deepEqual(
    report.jobTypes.map((row) => row.jobType),
    ["index-post", "email"],
  );
  const [post, email] = report.jobTypes;
  assert.ok(post !== undefined && email !== undefined);
  assert.equal(post.stream, indexPost.stream);
  assert.equal(post.consumer, "post-index-consumer");
  assert.equal(post.missing, null);
  assert.equal(post.streamMessages, 3);
  assert.equal(post.consumerPending, 2);
  assert.equal(post.ackPending, 1);
  assert.equal(post.redelivered, 1);
  assert.equal(post.deadLetters, 1);
  assert.equal(typeof post.oldestWaitingSeconds, "number");
  assert.equal(post.stuck, false);

  assert.equal(email.streamMessages, 0);
  assert.equal(email.oldestWaitingSeconds, null);
  assert.equal(email.deadLetters, 0);

  assert.deepEqual(report.summary, {
    streamMessages: 3,
    deadLetters: 1,
    stuck: [],
    missing: [],
    healthy: true,
  });
});

test("status flags a job waiting past the threshold", async () => {
  // The oldest job was published at the start of this file; poll until
  // its age passes one second.
  let run = await runJobs(
    ["status", "--job", "index-post", "email", "--stuck-after", "1", "--json"],
    env,
  );
  await eventually(
    async () => {
      if (run.code === 1) return true;
      run = await runJobs(
        [
          "status",
          "--job",
          "index-post",
          "email",
          "--stuck-after",
          "1",
          "--json",
        ],
        env,
      );
      return run.code === 1;
    },
    15_000,
    200,
  );

  const report = jsonOf<StatusReport>(run);
  const [post, email] = report.jobTypes;
  assert.equal(post?.stuck, true);
  assert.ok((post?.oldestWaitingSeconds ?? 0) > 1);
  assert.equal(email?.stuck, false);
  assert.deepEqual(report.summary.stuck, ["index-post"]);
  assert.equal(report.summary.healthy, false);

  const text = await runJobs(
    ["status", "--job", "index-post", "email", "--stuck-after", "1"],
    env,
  );
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^index-post .* STUCK$/m);
  assert.match(text.stdout, /^email .* ok$/m);
  assert.match(text.stdout, /stuck after 1 s: stuck: index-post$/m);
  assert.doesNotMatch(text.stdout, /\x1b\[/, "no colour when not a TTY");
});

test("status exits 1 when a stream is missing", async () => {
  const run = await runJobs(["status", "--job", "index-user", "--json"], env);
  assert.equal(run.code, 1);
  const report = jsonOf<StatusReport>(run);
  assert.equal(report.jobTypes[0]?.missing, "stream");
  assert.deepEqual(report.summary.missing, ["index-user"]);
});

test("status exits 2 on an unknown job type", async () => {
  const run = await runJobs(["status", "--job", "fax"], env);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown job type "fax"/);
});

test("status hints at the default server", async () => {
  const folder = await mkdtemp(join(tmpdir(), "status-hint-"));
  const stackEnvPath = join(folder, "stack.env");
  // The test streams live on the shared server, which is also the default.
  const { NATS_URL: _, ...withoutUrl } = env;
  const statusArgs = ["status", "--job", "index-post", "--json"];
  try {
    const run = await runJobsInProcess(
      statusArgs,
      withoutUrl,
      undefined,
      stackEnvPath,
    );
    assert.equal(run.code, 0, run.stderr);
    const report = jsonOf<StatusReport>(run);
    assert.equal(report.jobTypes[0]?.stream, indexPost.stream);
    assert.match(
      run.stderr,
      /^note: NATS_URL is not set and no dev stack is running .*; using nats:\/\/localhost:4222$/m,
    );

    const withUrl = await runJobsInProcess(
      statusArgs,
      env,
      undefined,
      stackEnvPath,
    );
    assert.doesNotMatch(withUrl.stderr, /NATS_URL is not set/);

    await writeFile(stackEnvPath, "AXUMKIT_DEV_PID=1\n");
    const withStack = await runJobsInProcess(
      statusArgs,
      withoutUrl,
      undefined,
      stackEnvPath,
    );
    assert.doesNotMatch(withStack.stderr, /NATS_URL is not set/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
