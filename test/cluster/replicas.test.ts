import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Bridge } from "../../lib/bridge/bridge.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import type { NatsCluster } from "../../lib/local/nats-cluster.ts";
import {
  JobTally,
  publishIndexPostJobs,
  startBridgeReplicas,
  startTestCluster,
} from "../support/cluster.ts";
import { eventually } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

let cluster: NatsCluster & { dispose(): Promise<void> };
let connection: NatsConnection;
let jsm: JetStreamManager;
const bridges: Bridge[] = [];

before(async () => {
  cluster = await startTestCluster();
  connection = await connectTo(cluster.urls);
  jsm = await jetstreamManager(connection);
});

after(async () => {
  await Promise.all(bridges.map((bridge) => bridge.stop()));
  await connection?.close();
  await cluster?.dispose();
});

test("replica changes keep queued jobs", async () => {
  const config = testBridgeConfig(cluster.urls, ["index-post"], {
    replicas: 1,
  });
  const address = addressOf("index-post", config.naming);
  await provision(jsm, config);
  const ids = await publishIndexPostJobs(
    jetstream(connection),
    address.subject,
    500,
  );

  await provision(jsm, { ...config, replicas: 3 });
  const raised = await jsm.streams.info(address.stream);
  assert.equal(raised.config.num_replicas, 3);
  assert.equal(raised.state.messages, 500);
  const raisedConsumer = await jsm.consumers.info(
    address.stream,
    address.consumer,
  );
  assert.equal(raisedConsumer.config.num_replicas, 3);
  // A new consumer leader reports its pending count once it has caught up.
  await eventually(
    async () =>
      (await jsm.consumers.info(address.stream, address.consumer))
        .num_pending === 500,
  );

  await provision(jsm, { ...config, replicas: 1 });
  const lowered = await jsm.streams.info(address.stream);
  assert.equal(lowered.config.num_replicas, 1);
  assert.equal(lowered.state.messages, 500);
  const loweredConsumer = await jsm.consumers.info(
    address.stream,
    address.consumer,
  );
  assert.equal(loweredConsumer.config.num_replicas, 1);
  // A new consumer leader reports its pending count once it has caught up.
  await eventually(
    async () =>
      (await jsm.consumers.info(address.stream, address.consumer))
        .num_pending === 500,
  );

  const tally = new JobTally();
  bridges.push(...(await startBridgeReplicas(1, { config, tally, workMs: 0 })));
  await eventually(async () => {
    const stream = await jsm.streams.info(address.stream);
    return tally.processed === 500 && stream.state.messages === 0;
  }, 60_000);
  assert.deepEqual(tally.missing(ids), []);
});

// A bridge started with other replicas re-provisions the stream while
// older bridges still pull from it, as a rolling deploy does.
test("replica changes under load lose no job", async () => {
  const config = testBridgeConfig(cluster.urls, ["index-post"], {
    replicas: 1,
    // Acks sent while a replica change moves the consumer leader can be
    // lost; a short ack_wait redelivers those jobs soon.
    ackWaitMs: 5_000,
  });
  const address = addressOf("index-post", config.naming);
  const tally = new JobTally();
  const replicaOptions = {
    tally,
    workMs: 5,
    settings: { concurrency: 2, batchSize: 1 },
  };
  bridges.push(
    ...(await startBridgeReplicas(1, { ...replicaOptions, config })),
  );
  const ids = await publishIndexPostJobs(
    jetstream(connection),
    address.subject,
    3_000,
  );

  await eventually(() => tally.processed >= 500, 60_000);
  bridges.push(
    ...(await startBridgeReplicas(1, {
      ...replicaOptions,
      config: { ...config, replicas: 3 },
    })),
  );
  const raised = await jsm.streams.info(address.stream);
  assert.equal(raised.config.num_replicas, 3);
  assert.ok(raised.state.messages > 0, "jobs ran out before the change");

  await eventually(() => tally.processed >= 1_500, 60_000);
  bridges.push(
    ...(await startBridgeReplicas(1, { ...replicaOptions, config })),
  );
  const lowered = await jsm.streams.info(address.stream);
  assert.equal(lowered.config.num_replicas, 1);
  assert.ok(lowered.state.messages > 0, "jobs ran out before the change");

  await eventually(async () => {
    const stream = await jsm.streams.info(address.stream);
    return tally.processed === 3_000 && stream.state.messages === 0;
  }, 120_000).catch(async (error: unknown) => {
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    throw new Error(
      `${String(error)}: ${tally.processed} processed, stream messages ${stream.state.messages}, consumer pending ${consumer.num_pending}, ack pending ${consumer.num_ack_pending}`,
    );
  });
  assert.deepEqual(tally.missing(ids), []);
});

test("more replicas than nodes rejected", async () => {
  const config = testBridgeConfig(cluster.urls, ["index-post"], {
    replicas: 3,
  });
  const address = addressOf("index-post", config.naming);
  await provision(jsm, config);
  await publishIndexPostJobs(jetstream(connection), address.subject, 10);

  await assert.rejects(provision(jsm, { ...config, replicas: 5 }), {
    name: "ProvisionError",
    message:
      /rejected 5 replica\(s\) for stream ".+": .+ set NATS_REPLICAS to at most the number of servers/,
  });

  const stream = await jsm.streams.info(address.stream);
  assert.equal(stream.config.num_replicas, 3);
  assert.equal(stream.state.messages, 10);
});

test("replicas on a single server rejected", async () => {
  const single = await connectTo(sharedNatsUrl);
  try {
    const config = testBridgeConfig([sharedNatsUrl], ["index-post"], {
      replicas: 3,
    });
    await assert.rejects(provision(await jetstreamManager(single), config), {
      name: "ProvisionError",
      message:
        /rejected 3 replica\(s\) for stream ".+": .+ not part of a JetStream cluster: set NATS_REPLICAS=1/,
    });
  } finally {
    await single.close();
  }
});
