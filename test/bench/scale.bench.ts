// Throughput of one bridge replica against three on the same three-node
// JetStream cluster (R3 stream and consumer), in one run. The function
// waits 20 ms per job, as an I/O-bound job would, and each replica runs
// index-post with the same concurrency (4 jobs at once, batch size 1).
// Each mode drains its own backlog of jobs published before its bridges
// start. The rate counts the jobs processed after the last replica has
// started, over the time from then until the backlog is drained.
//
//   npm run bench:scale [-- --jobs 2000]
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
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
import { connectTo, testBridgeConfig } from "../support/nats.ts";

const { values } = parseArgs({
  options: { jobs: { type: "string", default: "2000" } },
});
const jobs = Number(values.jobs);
const concurrency = 4;
const workMs = 20;

/** Drains a backlog of `jobs` jobs with `replicas` bridges; returns jobs/s. */
async function drain(
  cluster: NatsCluster,
  connection: NatsConnection,
  replicas: number,
): Promise<number> {
  const config = testBridgeConfig(cluster.urls, ["index-post"], {
    replicas: 3,
  });
  const jsm = await jetstreamManager(connection);
  await provision(jsm, config);
  const address = addressOf("index-post", config.naming);
  await publishIndexPostJobs(jetstream(connection), address.subject, jobs);

  const tally = new JobTally();
  const bridges = await startBridgeReplicas(replicas, {
    config,
    tally,
    workMs,
    settings: { concurrency, batchSize: 1 },
  });
  const processedAtStart = tally.processed;
  const started = performance.now();
  try {
    await eventually(() => tally.processed >= jobs, 600_000, 5);
  } finally {
    await Promise.all(bridges.map((bridge) => bridge.stop()));
  }
  const seconds = (performance.now() - started) / 1_000;
  await jsm.streams.delete(address.stream);
  await jsm.streams.delete(config.naming.deadLetterStream);
  return (jobs - processedAtStart) / seconds;
}

const cluster = await startTestCluster();
const connection = await connectTo(cluster.urls);
try {
  const oneRate = await drain(cluster, connection, 1);
  const threeRate = await drain(cluster, connection, 3);

  console.log(
    `jobs per mode: ${jobs}, three-node cluster, R3 stream, concurrency ${concurrency} per replica, ${workMs} ms per job`,
  );
  console.log(`1 bridge replica: ${oneRate.toFixed(1)} jobs/s`);
  console.log(`3 bridge replicas: ${threeRate.toFixed(1)} jobs/s`);
  console.log(`3-replica/1-replica ratio: ${(threeRate / oneRate).toFixed(2)}`);
} finally {
  await connection.close();
  await cluster.dispose();
}
