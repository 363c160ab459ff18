import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { replayMessageId } from "../../lib/cli/dlq-replay.ts";
import { PermanentJobError } from "../../lib/errors.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents, eventually } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs, spawnJobs } from "./run-jobs.ts";

// Scale: 500 dead letters, replayed at 250 per second so the first replay
// is still running when it is killed.
const deadLetterTotal = 500;

const config = testBridgeConfig([sharedNatsUrl], ["index-post"]);
const env = cliEnv(sharedNatsUrl, config.naming);
const address = addressOf("index-post", config.naming);
/** While true the function fails every job for good. */
let failing = true;
/** Successful runs per post id. */
const succeeded = new Map<string, number>();
let bridge: Bridge;
let connection: NatsConnection;

async function streamMessages(stream: string): Promise<number> {
  const jsm = await jetstreamManager(connection);
  return (await jsm.streams.info(stream)).state.messages;
}

/** Waits until the work queue is empty and no job is running. */
async function workQueueDrained(): Promise<void> {
  const jsm = await jetstreamManager(connection);
  await eventually(async () => {
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    const messages = await streamMessages(address.stream);
    return (
      messages === 0 && consumer.num_ack_pending === 0 && bridge.inFlight === 0
    );
  }, 30_000);
}

before(async () => {
  bridge = await Bridge.start({
    config,
    invoker: invokerFor({
      "index-post": testHandler("index-post", async (job) => {
        if (failing) throw new PermanentJobError("search index is read-only");
        const { post_id } = job as { post_id: string };
        succeeded.set(post_id, (succeeded.get(post_id) ?? 0) + 1);
      }),
    }),
  });
  connection = await connectTo(sharedNatsUrl);
});

after(async () => {
  await bridge.stop();
  const jsm = await jetstreamManager(connection);
  await jsm.streams.delete(address.stream);
  await jsm.streams.delete(config.naming.deadLetterStream);
  await connection.close();
});

test("replay killed half-way and run again loses and repeats nothing", async () => {
  const deadLettered = collectEvents(
    bridge.events,
    "job.dead-lettered",
    deadLetterTotal,
    60_000,
  );
  const js = jetstream(connection);
  const postIds = Array.from({ length: deadLetterTotal }, () => randomUUID());
  await Promise.all(
    postIds.map((post_id) =>
      js.publish(address.subject, JSON.stringify({ post_id, action: "Index" })),
    ),
  );
  await deadLettered;
  assert.equal(
    await streamMessages(config.naming.deadLetterStream),
    deadLetterTotal,
  );
  failing = false;

  // First replay: killed with SIGKILL once about 200 are through.
  const first = spawnJobs(
    ["dlq", "replay", "--job", "index-post", "--rate", "250", "--json"],
    env,
  );
  await eventually(
    async () => (await streamMessages(config.naming.deadLetterStream)) <= 300,
    30_000,
    10,
  );
  first.child.kill("SIGKILL");
  const killed = await first.done;
  assert.equal(killed.signal, "SIGKILL");
  const left = await streamMessages(config.naming.deadLetterStream);
  assert.ok(left > 0, "the first replay was killed before it finished");
  assert.ok(left < deadLetterTotal, "the first replay had replayed some");

  // Second replay finishes the rest.
  const second = await runJobs(
    ["dlq", "replay", "--job", "index-post", "--json"],
    env,
  );
  assert.equal(second.code, 0, second.stderr);
  const result = jsonOf<{
    selected: number;
    replayed: number;
    failures: unknown[];
  }>(second);
  assert.equal(result.selected, left);
  assert.equal(result.replayed, left);
  assert.deepEqual(result.failures, []);

  await eventually(() => succeeded.size === deadLetterTotal, 30_000);
  await workQueueDrained();
  assert.equal(await streamMessages(config.naming.deadLetterStream), 0);
  const repeated = postIds.filter((id) => succeeded.get(id) !== 1);
  assert.deepEqual(repeated, [], "every job ran exactly once");
});

test("replay after a kill between publish and delete stores once", async () => {
  failing = true;
  const post_id = randomUUID();
  const deadLettered = collectEvents(bridge.events, "job.dead-lettered", 1);
  const js = jetstream(connection);
  await js.publish(
    address.subject,
    JSON.stringify({ post_id, action: "Index" }),
  );
  await deadLettered;
  await workQueueDrained();
  failing = false;

  // What a replay killed right after its publish leaves behind: the job
  // republished with the replay's message id, the dead letter still there.
  const list = jsonOf<{
    deadLetters: { sequence: number; storedAtNanos: string }[];
  }>(await runJobs(["dlq", "list", "--json"], env));
  const [listed] = list.deadLetters;
  assert.ok(listed !== undefined);
  const interrupted = await js.publish(
    address.subject,
    JSON.stringify({ post_id, action: "Index" }),
    { msgID: replayMessageId(config.naming, listed) },
  );
  assert.equal(interrupted.duplicate, false);

  const run = await runJobs(["dlq", "replay", "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  const result = jsonOf<{ replayed: number; duplicates: number }>(run);
  assert.equal(result.replayed, 1);
  assert.equal(result.duplicates, 1);

  await eventually(() => succeeded.get(post_id) === 1, 20_000);
  await workQueueDrained();
  assert.equal(succeeded.get(post_id), 1);
  assert.equal(await streamMessages(config.naming.deadLetterStream), 0);
});
