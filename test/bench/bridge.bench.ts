// Throughput and memory of the bridge with the in-process invoker, against
// two baselines in the same run:
//
// - bare: a nats.js consume loop that acks each message, on an identical
//   stream and consumer. Two more bare modes confirm each ack: with
//   nats.js's ackAck, and with the bridge's AckConfirmer, which shows what
//   confirming costs apart from the rest of the bridge. Bare and bridge
//   rounds alternate.
// - BullMQ: a worker on the local Redis (127.0.0.1:6379) at the best of a
//   few concurrency values.
//
// Every mode drains a backlog of no-op index-post jobs published before its
// clock starts. The bridge runs with index-post's catalogue concurrency and
// batching (printed), the production log subscriber with success lines
// silenced, and a connection of its own made as production makes it. The
// bare clock stops when its last ack has been flushed to the server, the
// bridge's at its last job.succeeded event. Peak RSS is read in a fresh
// process per backlog size. NATS is TEST_NATS_URL (default
// nats://127.0.0.1:4222).
//
//   npm run bench:bridge [-- --jobs 50000 --rounds 3]
//   BENCH_JOBS=5000 npm run bench:bridge
//
// The RSS backlogs are jobs / 5 and jobs × 2 (10k and 100k by default).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Queue, Worker } from "bullmq";
import { AckConfirmer } from "../../lib/bridge/ack-confirmer.ts";
import type { BridgeOptions } from "../../lib/bridge/bridge.ts";
import { bridgeNodeFlags } from "../../lib/bridge/node-command.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { jobCatalogue } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { connectNats } from "../../lib/nats/connect.ts";
import { plainId } from "../lambda/handlers/scripted-ids.ts";
import { deleteStreams } from "../support/dead-letters.ts";
import { sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import {
  benchJobType,
  drainWithBridge,
  publishBacklog,
} from "./bridge-drain.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: process.env.BENCH_JOBS ?? "50000" },
    rounds: { type: "string", default: "3" },
  },
});
const jobs = Number(values.jobs);
const rounds = Number(values.rounds);
const rssBacklogs = { small: Math.round(jobs / 5), large: jobs * 2 };
const bullmqConcurrencies = [1, 10, 50, 200, 500];
const redis = { host: "127.0.0.1", port: 6379 };
const rssScript = join(import.meta.dirname, "bridge-rss.ts");

type Config = BridgeOptions["config"];

/**
 * Provisions a fresh job stream, publishes `count` jobs to it, runs `drain`
 * and deletes the streams again. Returns what `drain` returns.
 */
async function withBacklog<Result>(
  connection: NatsConnection,
  count: number,
  drain: (config: Config) => Promise<Result>,
): Promise<Result> {
  const config = testBridgeConfig([sharedNatsUrl], [benchJobType]);
  const jsm = await jetstreamManager(connection);
  const { stream } = addressOf(benchJobType, config.naming);
  try {
    await provision(jsm, config);
    await publishBacklog(connection, config, count);
    return await drain(config);
  } finally {
    await deleteStreams(jsm, [stream, config.naming.deadLetterStream]);
  }
}

/**
 * Drains the backlog with consume(), acking each message, and returns
 * jobs/s. With `confirm`, each ack is an ackAck, or sent through an
 * AckConfirmer, and the clock stops when the server has confirmed them
 * all.
 */
async function bareRate(
  connection: NatsConnection,
  count: number,
  confirm: false | "ackAck" | "confirmer",
): Promise<number> {
  return withBacklog(connection, count, async (config) => {
    const address = addressOf(benchJobType, config.naming);
    const started = performance.now();
    const consumer = await jetstream(connection).consumers.get(
      address.stream,
      address.consumer,
    );
    const messages = await consumer.consume();
    const acks = new AckConfirmer(connection);
    const confirmations: Promise<unknown>[] = [];
    let acked = 0;
    for await (const message of messages) {
      if (confirm === "ackAck") confirmations.push(message.ackAck());
      else if (confirm === "confirmer") {
        // nats.js 3.4 messages have the reply subject, but their type
        // leaves it out.
        const { reply } = message as JsMsg & { reply: string };
        confirmations.push(acks.send(reply));
      } else message.ack();
      acked++;
      if (acked === count) break;
    }
    await Promise.all(confirmations);
    await connection.flush();
    const seconds = (performance.now() - started) / 1_000;
    acks.close();
    await messages.close();
    return count / seconds;
  });
}

async function bridgeRate(
  connection: NatsConnection,
  count: number,
): Promise<number> {
  return withBacklog(connection, count, async (config) => {
    const seconds = await drainWithBridge(config, count);
    return count / seconds;
  });
}

/**
 * Adds `count` no-op jobs to a fresh BullMQ queue, drains it with one
 * worker and returns jobs/s. Completed jobs are removed, as a work-queue
 * stream removes acked ones. The queue's keys are deleted afterwards.
 */
async function bullmqRate(count: number, concurrency: number): Promise<number> {
  const queue = new Queue(`bench-${randomBytes(4).toString("hex")}`, {
    connection: redis,
  });
  let worker: Worker | undefined;
  try {
    const chunk = 1_000;
    for (let first = 1; first <= count; first += chunk) {
      const size = Math.min(chunk, count - first + 1);
      await queue.addBulk(
        Array.from({ length: size }, (_, offset) => ({
          name: benchJobType,
          data: { post_id: plainId(first + offset), action: "Index" },
          opts: { removeOnComplete: true },
        })),
      );
    }

    let completed = 0;
    let resolveDrained: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => {
      resolveDrained = resolve;
    });
    const started = performance.now();
    worker = new Worker(queue.name, async () => undefined, {
      connection: redis,
      concurrency,
    });
    worker.on("completed", () => {
      completed++;
      if (completed === count) resolveDrained();
    });
    await drained;
    const seconds = (performance.now() - started) / 1_000;
    return count / seconds;
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Drains `count` jobs in a fresh process and returns its peak RSS in KiB. */
async function bridgePeakRssKb(
  connection: NatsConnection,
  count: number,
): Promise<number> {
  return withBacklog(connection, count, async (config) => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...bridgeNodeFlags,
      rssScript,
      JSON.stringify(config),
      String(count),
    ]);
    return (JSON.parse(stdout) as { maxRssKb: number }).maxRssKb;
  });
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function perSecond(rate: number): string {
  return `${Math.round(rate)} jobs/s`;
}

// The production connection options, as the bridge uses them.
const connection = await connectNats({
  servers: [sharedNatsUrl],
  name: "bench-bridge",
});
try {
  // One discarded round per mode warms the JIT and the server.
  const warmUp = Math.max(1, Math.round(jobs / 10));
  await bareRate(connection, warmUp, false);
  await bareRate(connection, warmUp, "ackAck");
  await bareRate(connection, warmUp, "confirmer");
  await bridgeRate(connection, warmUp);

  const bare: number[] = [];
  const bareConfirmed: number[] = [];
  const bareConfirmer: number[] = [];
  const bridge: number[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(await bareRate(connection, jobs, false));
    bridge.push(await bridgeRate(connection, jobs));
    bareConfirmed.push(await bareRate(connection, jobs, "ackAck"));
    bareConfirmer.push(await bareRate(connection, jobs, "confirmer"));
  }

  // Pick BullMQ's concurrency on a smaller backlog, then measure it.
  const trial = Math.max(1, Math.round(jobs / 5));
  const trials = new Map<number, number>();
  for (const concurrency of bullmqConcurrencies) {
    trials.set(concurrency, await bullmqRate(trial, concurrency));
  }
  const [bestConcurrency] = [...trials].sort((a, b) => b[1] - a[1])[0] as [
    number,
    number,
  ];
  const bullmq: number[] = [];
  for (let round = 0; round < rounds; round++) {
    bullmq.push(await bullmqRate(jobs, bestConcurrency));
  }

  const rssSmall: number[] = [];
  const rssLarge: number[] = [];
  for (let round = 0; round < rounds; round++) {
    rssSmall.push(await bridgePeakRssKb(connection, rssBacklogs.small));
    rssLarge.push(await bridgePeakRssKb(connection, rssBacklogs.large));
  }

  const bareMedian = median(bare);
  const bareConfirmedMedian = median(bareConfirmed);
  const bareConfirmerMedian = median(bareConfirmer);
  const bridgeMedian = median(bridge);
  const bullmqMedian = median(bullmq);
  const rssSmallMb = median(rssSmall) / 1_024;
  const rssLargeMb = median(rssLarge) / 1_024;

  const { concurrency, batchSize, batchWindowMs } = jobCatalogue[benchJobType];
  console.log(
    `job type: ${benchJobType} (catalogue defaults: concurrency ${concurrency}, batch size ${batchSize}, ${batchWindowMs} ms window), in-process invoker, no-op function`,
  );
  console.log(`jobs per round: ${jobs}, rounds: ${rounds} (medians)`);
  console.log(`bare consume + ack: ${perSecond(bareMedian)}`);
  console.log(`bare consume + ackAck: ${perSecond(bareConfirmedMedian)}`);
  console.log(`bare consume + AckConfirmer: ${perSecond(bareConfirmerMedian)}`);
  console.log(`bridge: ${perSecond(bridgeMedian)}`);
  const trialLine = [...trials]
    .map(([concurrency, rate]) => `${concurrency}: ${perSecond(rate)}`)
    .join(", ");
  console.log(`bullmq trials (${trial} jobs, by concurrency): ${trialLine}`);
  console.log(
    `bullmq (concurrency ${bestConcurrency}): ${perSecond(bullmqMedian)}`,
  );
  console.log(
    `bridge peak RSS: ${rssSmallMb.toFixed(1)} MiB at ${rssBacklogs.small} jobs, ${rssLargeMb.toFixed(1)} MiB at ${rssBacklogs.large} jobs`,
  );
  console.log(`bridge/bare ratio: ${(bridgeMedian / bareMedian).toFixed(2)}`);
  console.log(
    `bridge/bare-ackAck ratio: ${(bridgeMedian / bareConfirmedMedian).toFixed(2)}`,
  );
  console.log(
    `bare-AckConfirmer/bare ratio: ${(bareConfirmerMedian / bareMedian).toFixed(2)}`,
  );
  console.log(
    `bridge/bullmq ratio: ${(bridgeMedian / bullmqMedian).toFixed(2)}`,
  );
  console.log(`rss 100k/10k ratio: ${(rssLargeMb / rssSmallMb).toFixed(2)}`);
} finally {
  await connection.close();
}
