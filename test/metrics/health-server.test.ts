import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import { HealthServer } from "../../lib/bridge/health-server.ts";
import { PermanentJobError } from "../../lib/errors.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { collectEvents, eventually } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import {
  connectTo,
  sharedNatsUrl,
  startOwnNatsServer,
  testBridgeConfig,
} from "../support/nats.ts";

const postId = "0190a4f2-1b2c-7d3e-8f40-123456789abc";

async function get(
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** Reads one sample of the Prometheus text, failing when it is absent. */
function sample(metrics: string, name: string, labels: string): number {
  const line = metrics
    .split("\n")
    .find((candidate) =>
      candidate.startsWith(labels === "" ? `${name} ` : `${name}{${labels}} `),
    );
  assert.ok(line !== undefined, `no sample ${name}{${labels}} in:\n${metrics}`);
  return Number(line.split(" ").at(-1));
}

test("healthz follows consumers and the NATS connection", async () => {
  const nats = await startOwnNatsServer();
  const events = new BridgeEvents();
  const health = await HealthServer.start(events, {
    port: 0,
    host: "127.0.0.1",
  });
  let bridge: Bridge | undefined;
  after(async () => {
    await bridge?.stop();
    await health.stop();
    await nats.dispose();
  });

  const before = await get(health.port, "/healthz");
  assert.equal(before.status, 503);
  assert.deepEqual(JSON.parse(before.body), {
    status: "not ready",
    reasons: ["consumers not bound yet"],
  });

  bridge = await Bridge.start({
    config: testBridgeConfig([nats.url], ["index-post"]),
    invoker: invokerFor({
      "index-post": testHandler("index-post", async () => {}),
    }),
    events,
  });
  const ready = await get(health.port, "/healthz");
  assert.equal(ready.status, 200);
  assert.deepEqual(JSON.parse(ready.body), { status: "ready", reasons: [] });

  await nats.stop();
  await eventually(
    async () => (await get(health.port, "/healthz")).status === 503,
  );
  const gone = await get(health.port, "/healthz");
  assert.deepEqual(JSON.parse(gone.body).reasons, ["not connected to NATS"]);
  const metrics = (await get(health.port, "/metrics")).body;
  assert.equal(sample(metrics, "axumkit_nats_connected", ""), 0);

  await nats.restart();
  await eventually(
    async () => (await get(health.port, "/healthz")).status === 200,
    30_000,
  );

  assert.equal((await get(health.port, "/nowhere")).status, 404);
});

test("metrics count the jobs processed", async () => {
  const events = new BridgeEvents();
  const health = await HealthServer.start(events, {
    port: 0,
    host: "127.0.0.1",
  });
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"], {
    maxDeliver: 2,
    retryBaseDelayMs: 10,
  });
  const bridge = await Bridge.start({
    config,
    events,
    invoker: invokerFor({
      "index-post": testHandler("index-post", async (job) => {
        const { action } = job as { action: string };
        if (action === "Delete") throw new PermanentJobError("row is gone");
        if (
          action === "Index" &&
          (job as { post_id: string }).post_id !== postId
        ) {
          throw new Error("search engine answered 503");
        }
      }),
    }),
  });
  const connection = await connectTo(sharedNatsUrl);
  after(async () => {
    await bridge.stop();
    await health.stop();
    const jsm = await jetstreamManager(connection);
    await jsm.streams.delete(addressOf("index-post", config.naming).stream);
    await jsm.streams.delete(config.naming.deadLetterStream);
    await connection.close();
  });

  // 5 succeed; 2 fail for good; 1 invalid; 3 fail twice (one retry each,
  // then dead-lettered as exhausted).
  const address = addressOf("index-post", config.naming);
  const js = jetstream(connection);
  const settled = collectEvents(events, "job.dead-lettered", 6);
  const succeeded = collectEvents(events, "job.succeeded", 5);
  const publish = (body: unknown) =>
    js.publish(address.subject, JSON.stringify(body));
  for (let index = 0; index < 5; index++)
    await publish({ post_id: postId, action: "Index" });
  for (let index = 0; index < 2; index++)
    await publish({ post_id: postId, action: "Delete" });
  await publish({ post_id: postId, action: "index" });
  for (let index = 0; index < 3; index++) {
    await publish({
      post_id: "0190a4f2-1b2c-7d3e-8f40-00000000000" + index,
      action: "Index",
    });
  }
  await Promise.all([settled, succeeded]);

  const metrics = (await get(health.port, "/metrics")).body;
  const label = 'job_type="index-post"';
  assert.equal(sample(metrics, "axumkit_jobs_succeeded_total", label), 5);
  assert.equal(sample(metrics, "axumkit_jobs_retried_total", label), 3);
  assert.equal(
    sample(
      metrics,
      "axumkit_jobs_dead_lettered_total",
      `${label},kind="permanent"`,
    ),
    2,
  );
  assert.equal(
    sample(
      metrics,
      "axumkit_jobs_dead_lettered_total",
      `${label},kind="invalid"`,
    ),
    1,
  );
  assert.equal(
    sample(
      metrics,
      "axumkit_jobs_dead_lettered_total",
      `${label},kind="exhausted"`,
    ),
    3,
  );
  assert.equal(
    sample(
      metrics,
      "axumkit_job_duration_seconds_count",
      `${label},outcome="succeeded"`,
    ),
    5,
  );
  assert.equal(sample(metrics, "axumkit_nats_connected", ""), 1);
  assert.match(metrics, /^# TYPE axumkit_jobs_succeeded_total counter$/m);
});
