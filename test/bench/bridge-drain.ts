// Steps the bridge benchmark shares with its child processes: publishing a
// backlog of no-op index-post jobs and draining it through a bridge with
// the in-process invoker.
import { Writable } from "node:stream";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge, type BridgeOptions } from "../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import { logBridgeEvents } from "../../lib/bridge/log-events.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { createLogger } from "../../lib/log.ts";
import { plainId } from "../lambda/handlers/scripted-ids.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";

/** The job type every mode runs, with its catalogue concurrency and batch. */
export const benchJobType = "index-post";

/** Publish acks awaited at once while filling the backlog. */
const publishWindow = 1_000;

/**
 * Publishes `jobs` index-post jobs to the stream of `config`, keeping at
 * most `publishWindow` publish acks outstanding.
 */
export async function publishBacklog(
  connection: NatsConnection,
  config: BridgeOptions["config"],
  jobs: number,
): Promise<void> {
  const js: JetStreamClient = jetstream(connection);
  const { subject } = addressOf(benchJobType, config.naming);
  const outstanding = new Set<Promise<unknown>>();

  for (let n = 1; n <= jobs; n++) {
    const payload = JSON.stringify({ post_id: plainId(n), action: "Index" });
    const ack: Promise<unknown> = js.publish(subject, payload).finally(() => {
      outstanding.delete(ack);
    });
    outstanding.add(ack);
    if (outstanding.size >= publishWindow) await Promise.race(outstanding);
  }
  await Promise.all(outstanding);
}

/**
 * Starts a bridge on the published backlog, waits until `jobs` jobs have
 * succeeded, and stops it. Returns the seconds from the start of the bridge
 * to the last success. The bridge opens its own connection, with the
 * production connection options. The events go through the production log
 * subscriber with success lines silenced (`LOG_QUIET_SUCCESS=true`), into
 * a sink.
 */
export async function drainWithBridge(
  config: BridgeOptions["config"],
  jobs: number,
): Promise<number> {
  const events = new BridgeEvents();
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger("bench-bridge", {
    level: "info",
    destination: sink,
  });
  logBridgeEvents(events, logger, { quietSuccess: true });

  let succeeded = 0;
  const drained = new Promise<void>((resolve) => {
    events.on("job.succeeded", () => {
      succeeded++;
      if (succeeded === jobs) resolve();
    });
  });

  const handler = testHandler(benchJobType, async () => undefined);
  const started = performance.now();
  const bridge = await Bridge.start({
    config,
    events,
    invoker: invokerFor({ [benchJobType]: handler }),
  });
  await drained;
  const seconds = (performance.now() - started) / 1_000;
  await bridge.stop();
  return seconds;
}
