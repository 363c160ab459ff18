import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AckPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
} from "@nats-io/jetstream";
import { createInbox, nanos } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import { ProvisionError, provision } from "../../lib/bridge/provision.ts";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import { deleteStreams, storedCount } from "../support/dead-letters.ts";
import { collectEvents } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

const second = 1_000_000_000;
/** The delays the Rust worker gives its consumers as a backoff list. */
const rustBackoff = [1, 2, 4, 8, 16].map((seconds) => seconds * second);

async function withServer<Result>(
  streams: (config: ReturnType<typeof testBridgeConfig>) => string[],
  config: ReturnType<typeof testBridgeConfig>,
  run: (jsm: JetStreamManager, js: JetStreamClient) => Promise<Result>,
): Promise<Result> {
  const connection = await connectTo(sharedNatsUrl);
  const jsm = await jetstreamManager(connection);
  try {
    return await run(jsm, jetstream(connection));
  } finally {
    await deleteStreams(jsm, streams(config));
    await connection.close();
  }
}

function streamsOf(config: ReturnType<typeof testBridgeConfig>): string[] {
  return [
    ...config.jobTypes.map(
      (jobType) => addressOf(jobType, config.naming).stream,
    ),
    config.naming.deadLetterStream,
  ];
}

test("provisioning twice changes nothing", async () => {
  const config = testBridgeConfig([sharedNatsUrl], ["email", "index-post"], {
    ackWaitMs: 30_000,
  });
  await withServer(streamsOf, config, async (jsm) => {
    const firstRun = new BridgeEvents();
    const created: unknown[] = [];
    firstRun.on("provisioned", (fields) => created.push(fields));
    await provision(jsm, config, firstRun);
    const before = await describe(jsm, config);

    const secondRun = new BridgeEvents();
    const changed: unknown[] = [];
    secondRun.on("provisioned", (fields) => changed.push(fields));
    await provision(jsm, config, secondRun);

    assert.equal(created.length, 5, "two streams, two consumers, the DLQ");
    assert.deepEqual(changed, []);
    assert.deepEqual(await describe(jsm, config), before);
    const consumer = before.consumers[0];
    assert.equal(consumer?.ack_wait, 30 * second);
    assert.equal(consumer?.max_deliver, 6);
    assert.equal(consumer?.ack_policy, AckPolicy.Explicit);
    assert.equal(consumer?.backoff, undefined);
    assert.equal(consumer?.deliver_subject, undefined);
  });
});

async function describe(
  jsm: JetStreamManager,
  config: ReturnType<typeof testBridgeConfig>,
) {
  const streams = [];
  const consumers = [];
  for (const jobType of config.jobTypes) {
    const address = addressOf(jobType, config.naming);
    const stream = await jsm.streams.info(address.stream);
    streams.push({ created: stream.created, config: stream.config });
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    consumers.push({ created: consumer.created, ...consumer.config });
  }
  const dlq = await jsm.streams.info(config.naming.deadLetterStream);
  streams.push({ created: dlq.created, config: dlq.config });
  return { streams, consumers };
}

// The Rust worker's consumers carry a backoff list, and a worker that
// stopped mid-job leaves deliveries pending. `ack_wait` is scaled down to
// 2 s so those pending deliveries come back within the test.
for (const kind of ["pull", "push"] as const) {
  test(`Rust worker's ${kind} consumer is brought to our config`, async () => {
    const config = testBridgeConfig([sharedNatsUrl], ["email"], {
      ackWaitMs: 2_000,
    });
    const address = addressOf("email", config.naming);
    await withServer(streamsOf, config, async (jsm, js) => {
      await jsm.streams.add({
        name: address.stream,
        subjects: [address.subject],
        retention: RetentionPolicy.Workqueue,
      });
      const jobCount = 6;
      await publishJobs(js, address, jobCount);
      await leaveRustConsumer(jsm, address, kind);

      const handled = new Set<string>();
      const events = new BridgeEvents();
      const provisioned = collectEvents<{ kind: string; action: string }>(
        events,
        "provisioned",
        2,
      );
      const bridge = await Bridge.start({
        config,
        events,
        invoker: invokerFor({
          email: testHandler("email", async (job) => {
            handled.add((job as { subject: string }).subject);
          }),
        }),
      });
      try {
        const succeeded = collectEvents(events, "job.succeeded", jobCount);
        await succeeded;
      } finally {
        await bridge.stop();
      }

      const action = kind === "pull" ? "updated" : "recreated";
      assert.deepEqual(
        (await provisioned).find((event) => event.kind === "consumer"),
        { kind: "consumer", name: address.consumer, action },
      );
      assert.equal(handled.size, jobCount, "every job ran");
      assert.equal(await storedCount(jsm, address.stream), 0);
      const consumer = await jsm.consumers.info(
        address.stream,
        address.consumer,
      );
      assert.equal(consumer.config.backoff, undefined);
      assert.equal(consumer.config.ack_wait, 2 * second);
      assert.equal(consumer.config.max_deliver, 6);
      assert.equal(consumer.config.deliver_subject, undefined);
    });
  });
}

async function publishJobs(
  js: JetStreamClient,
  address: JobAddress,
  count: number,
): Promise<void> {
  for (let index = 0; index < count; index++) {
    const job = {
      to: "ann@example.com",
      subject: `job ${index}`,
      template: { Custom: { html_content: "<p>hi</p>" } },
    };
    await js.publish(address.subject, JSON.stringify(job));
  }
}

/**
 * Creates the consumer as the Rust worker does and takes two deliveries
 * without acking them, as a worker that stopped mid-job.
 */
async function leaveRustConsumer(
  jsm: JetStreamManager,
  address: JobAddress,
  kind: "pull" | "push",
): Promise<void> {
  const connection = await connectTo(sharedNatsUrl);
  const deliverSubject = createInbox();
  const taken: unknown[] = [];
  const done = new Promise<void>((resolve) => {
    if (kind === "pull") return resolve();
    const subscription = connection.subscribe(deliverSubject, {
      callback: () => {
        taken.push(undefined);
        if (taken.length === 2) {
          subscription.unsubscribe();
          resolve();
        }
      },
    });
  });

  await jsm.consumers.add(address.stream, {
    durable_name: address.consumer,
    ack_policy: AckPolicy.Explicit,
    max_deliver: 6,
    backoff: rustBackoff,
    max_ack_pending: kind === "push" ? 2 : 1_000,
    deliver_subject: kind === "push" ? deliverSubject : undefined,
  });

  if (kind === "pull") {
    const consumer = await jetstream(connection).consumers.get(
      address.stream,
      address.consumer,
    );
    const messages = await consumer.fetch({ max_messages: 2, expires: 2_000 });
    for await (const _message of messages) taken.push(undefined);
  }
  await done;
  await connection.close();

  const info = await jsm.consumers.info(address.stream, address.consumer);
  assert.equal(info.num_ack_pending, 2, "two deliveries left pending");
  assert.deepEqual(info.config.backoff, rustBackoff);
}

test("stream with limits retention stops the start", async () => {
  const config = testBridgeConfig([sharedNatsUrl], ["index-user"]);
  const address = addressOf("index-user", config.naming);
  await withServer(streamsOf, config, async (jsm, js) => {
    await jsm.streams.add({
      name: address.stream,
      subjects: [address.subject],
      retention: RetentionPolicy.Limits,
    });
    const job = {
      user_id: "0190a4f2-2222-7d3e-8f40-123456789abc",
      action: "Index",
    };
    await js.publish(address.subject, JSON.stringify(job));
    const before = await jsm.streams.info(address.stream);

    await assert.rejects(
      Bridge.start({
        config,
        invoker: invokerFor({
          "index-user": testHandler("index-user", async () => {
            throw new Error("no job may run");
          }),
        }),
      }),
      (error: Error) => {
        assert.ok(error instanceof ProvisionError);
        assert.match(error.message, new RegExp(`stream "${address.stream}"`));
        assert.match(error.message, /retention "limits"/);
        assert.match(error.message, /need "workqueue"/);
        return true;
      },
    );

    const after = await jsm.streams.info(address.stream);
    assert.equal(after.created, before.created, "the stream was not recreated");
    assert.equal(after.config.retention, RetentionPolicy.Limits);
    assert.equal(after.state.messages, 1, "its job is still stored");
    await assert.rejects(
      jsm.consumers.info(address.stream, address.consumer),
      "no consumer was added",
    );
  });
});
