import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Bridge } from "../../lib/bridge/bridge.ts";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import type { ClusterNode, NatsCluster } from "../../lib/local/nats-cluster.ts";
import {
  inFlightOf,
  JobTally,
  publishIndexPostJobs,
  RecoveryLog,
  startBridgeReplicas,
  startTestCluster,
} from "./cluster.ts";
import { eventually } from "./events.ts";
import { connectTo, testBridgeConfig } from "./nats.ts";

/** What a fault step may use: the cluster, the bridges, the tally. */
export interface FaultContext {
  cluster: NatsCluster;
  connection: NatsConnection;
  jsm: JetStreamManager;
  address: JobAddress;
  bridges: Bridge[];
  tally: JobTally;
}

export interface FailoverScenario {
  jobs: number;
  bridges: number;
  /** Processed jobs after which the fault starts. */
  faultAfter: number;
  workMs: number;
  /** Runs after the bridges start and before any job is published. */
  prepare?: (context: FaultContext) => Promise<void>;
  fault: (context: FaultContext) => Promise<void>;
}

/**
 * Kills the given node, waits until the bridges have processed `jobs` more
 * without it, then restarts it and waits for the cluster to be healthy.
 * Returns the jobs in flight at the kill (see `inFlightOf`), the only ones
 * a correct bridge may run twice.
 */
export async function killAndRestartLater(
  context: FaultContext,
  node: ClusterNode,
  jobs: number,
): Promise<number> {
  const inFlightAtKill = inFlightOf(context.bridges);
  await node.server.kill();

  const processedAtKill = context.tally.processed;
  await eventually(
    () => context.tally.processed >= processedAtKill + jobs,
    60_000,
  );
  await node.server.restart();
  await context.cluster.waitUntilHealthy();
  return inFlightAtKill;
}

/**
 * Makes the stream and its consumer led by different nodes, asking the
 * consumer's leader to step down until another node takes over, so a kill
 * hits one of them alone. Returns both leaders.
 */
export async function separateLeaders(
  context: FaultContext,
): Promise<{ stream: ClusterNode; consumer: ClusterNode }> {
  const { cluster, connection, jsm, address } = context;
  const readLeaders = async () => ({
    stream: await cluster.streamLeader(jsm, address.stream),
    consumer: await cluster.consumerLeader(
      jsm,
      address.stream,
      address.consumer,
    ),
  });

  let leaders = await readLeaders();
  for (let attempt = 1; leaders.stream === leaders.consumer; attempt++) {
    if (attempt > 5) {
      throw new Error(
        `consumer leader stayed on the stream leader ${leaders.stream.name}`,
      );
    }
    await connection.request(
      `$JS.API.CONSUMER.LEADER.STEPDOWN.${address.stream}.${address.consumer}`,
      undefined,
      { timeout: 5_000 },
    );
    leaders = await readLeaders();
  }
  return leaders;
}

export interface FailoverResult {
  expectedIds: string[];
  tally: JobTally;
  streamMessages: number;
  ackPending: number;
  recovery: RecoveryLog;
}

/**
 * Runs index-post jobs through bridge replicas on a fresh three-node
 * cluster with R3 streams and consumers, applies the fault once enough
 * jobs are processed, and returns what the stream and the function saw
 * after the stream has drained. Stops and removes everything it started.
 */
export async function runFailoverScenario(
  scenario: FailoverScenario,
): Promise<FailoverResult> {
  const cluster = await startTestCluster();
  const cleanup: (() => Promise<void>)[] = [() => cluster.dispose()];
  try {
    const config = testBridgeConfig(cluster.urls, ["index-post"], {
      replicas: 3,
      // The server redelivers jobs whose acks died with a killed node
      // after ack_wait, so a short one keeps the test quick.
      ackWaitMs: 5_000,
    });
    const address = addressOf("index-post", config.naming);
    const tally = new JobTally();
    const bridges = await startBridgeReplicas(scenario.bridges, {
      config,
      tally,
      workMs: scenario.workMs,
      settings: { concurrency: 4, batchSize: 1 },
    });
    cleanup.unshift(async () => {
      await Promise.all(bridges.map((bridge) => bridge.stop()));
    });
    const recovery = new RecoveryLog();
    recovery.watch(bridges);

    const connection = await connectTo(cluster.urls);
    cleanup.unshift(() => connection.close());
    const jsm = await jetstreamManager(connection);
    const context = { cluster, connection, jsm, address, bridges, tally };
    await scenario.prepare?.(context);
    const expectedIds = await publishIndexPostJobs(
      jetstream(connection),
      address.subject,
      scenario.jobs,
    );

    await eventually(() => tally.processed >= scenario.faultAfter, 60_000);
    await scenario.fault(context);

    await eventually(
      async () =>
        tally.processed === scenario.jobs &&
        bridges.every((bridge) => bridge.inFlight === 0) &&
        (await isDrained(jsm, address)),
      120_000,
      200,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}: ${await drainState(jsm, address, tally, bridges)}`,
      );
    });
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    return {
      expectedIds,
      tally,
      streamMessages: stream.state.messages,
      ackPending: consumer.num_ack_pending,
      recovery,
    };
  } finally {
    for (const step of cleanup) await step();
  }
}

/** Describes how far a scenario got, for a drain that timed out. */
async function drainState(
  jsm: JetStreamManager,
  address: JobAddress,
  tally: JobTally,
  bridges: readonly Bridge[],
): Promise<string> {
  const inFlight = bridges.map((bridge) => bridge.inFlight).join("/");
  const counts = `${tally.processed} processed, in flight ${inFlight}`;
  try {
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    return `${counts}, stream messages ${stream.state.messages}, consumer pending ${consumer.num_pending}, ack pending ${consumer.num_ack_pending}, redelivered ${consumer.num_redelivered}`;
  } catch (error) {
    return `${counts}, stream info failed: ${String(error)}`;
  }
}

async function isDrained(
  jsm: JetStreamManager,
  address: JobAddress,
): Promise<boolean> {
  try {
    const stream = await jsm.streams.info(address.stream);
    const consumer = await jsm.consumers.info(address.stream, address.consumer);
    return (
      stream.state.messages === 0 &&
      consumer.num_ack_pending === 0 &&
      consumer.num_pending === 0
    );
  } catch {
    // No leader while an election runs; ask again on the next poll.
    return false;
  }
}

/**
 * Runs 10,000 jobs on R3 streams through three bridge replicas, four jobs
 * each at a time and 20 ms per job. The node leading `leader` (and not the
 * other group) is killed once 3,000 jobs are processed and restarted 2,000
 * jobs later. Checks that no job is lost and that duplicates stay within
 * the jobs in flight at the kill.
 */
export async function runLeaderKill(
  t: TestContext,
  leader: "stream" | "consumer",
): Promise<FailoverResult> {
  let inFlightAtKill = -1;
  let victim: ClusterNode | undefined;

  const result = await runFailoverScenario({
    jobs: 10_000,
    bridges: 3,
    faultAfter: 3_000,
    workMs: 20,
    async prepare(context) {
      const leaders = await separateLeaders(context);
      assert.notEqual(leaders.stream.name, leaders.consumer.name);
      victim = leaders[leader];
    },
    async fault(context) {
      assert.ok(victim !== undefined);
      inFlightAtKill = await killAndRestartLater(context, victim, 2_000);
    },
  });

  const resent = result.recovery.counts.get("ack.resending") ?? 0;
  const failed = result.recovery.counts.get("ack.failed") ?? 0;
  t.diagnostic(
    `${result.tally.duplicates} duplicates, ${inFlightAtKill} in flight at the kill, ${resent} acks resent, ${failed} never confirmed`,
  );
  assert.deepEqual(result.tally.missing(result.expectedIds), []);
  assert.equal(result.tally.processed, 10_000);
  assert.equal(result.streamMessages, 0);
  assert.equal(result.ackPending, 0);
  assert.ok(
    result.tally.duplicates <= inFlightAtKill,
    `${result.tally.duplicates} duplicates, ${inFlightAtKill} in flight at the kill`,
  );
  return result;
}
