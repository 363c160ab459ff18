// A bridge process for tests that signal, kill or restart things under it.
// It runs what bin/bridge.ts runs: the env config reader, Bridge with the
// in-process invoker and the shutdown signal handler. Every job type it
// consumes calls a test function that appends what happens to a record
// file, one JSON object per line. The writes are synchronous, so the lines
// survive a SIGKILL.
//
// Test-only variables, besides the bridge's own (.env.example):
//   TEST_RECORD_FILE     where the lines go (required)
//   TEST_JOB_DELAY_MS    how long each job runs [0]
//   TEST_CONCURRENCY     concurrent invokes per job type [catalogue]
//   TEST_BATCH_SIZE      records per invoke [catalogue]
//   TEST_PULL_EXPIRES_MS how long one pull waits at the server [10 s]
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Bridge, type JobTypeSettings } from "../../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../../lib/bridge/events.ts";
import { logBridgeEvents } from "../../../lib/bridge/log-events.ts";
import { readBridgeConfig } from "../../../lib/config/bridge.ts";
import type { JobHandler } from "../../../lib/functions/job-handler.ts";
import type { JobTypeName } from "../../../lib/jobs/catalogue.ts";
import { createLogger } from "../../../lib/log.ts";
import { onShutdownSignal } from "../../../lib/signals.ts";
import { invokerFor, testHandler } from "../../support/handlers.ts";
import type { ChildRecord } from "./bridge-process.ts";

const recordFile = process.env.TEST_RECORD_FILE;
if (recordFile === undefined) {
  throw new Error("TEST_RECORD_FILE is missing: set the record file path");
}
const jobDelayMs = optionalInteger("TEST_JOB_DELAY_MS") ?? 0;
const concurrency = optionalInteger("TEST_CONCURRENCY");
const batchSize = optionalInteger("TEST_BATCH_SIZE");
const pullExpiresMs = optionalInteger("TEST_PULL_EXPIRES_MS");

function optionalInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(
      `${name} is invalid: expected an integer >= 0, got ${text}`,
    );
  }
  return value;
}

function record(line: ChildRecord): void {
  appendFileSync(recordFile as string, `${JSON.stringify(line)}\n`);
}

const logger = createLogger("test-bridge");
const config = readBridgeConfig();
const events = new BridgeEvents();
logBridgeEvents(events, logger, { quietSuccess: config.quietSuccess });

// The order of these lines is the order of the events in this process.
events.on("job.succeeded", ({ sequence, deliveryCount }) =>
  record({ event: "succeeded", sequence, deliveryCount }),
);
events.on("bridge.stopping", ({ inFlight }) =>
  record({ event: "stopping", inFlight }),
);
events.on("bridge.stopped", ({ unfinished }) =>
  record({ event: "stopped", unfinished }),
);
events.on("provisioned", ({ kind, name, action }) =>
  record({ event: "provisioned", detail: `${action} ${kind} ${name}` }),
);
events.on("consumer.status", ({ status }) =>
  record({ event: "consumer.status", detail: status }),
);
events.on("pull.failed", ({ error }) =>
  record({ event: "pull.failed", detail: error.message }),
);
events.on("connection.status", ({ status }) =>
  record({ event: "connection.status", detail: status }),
);

const handlers: Partial<Record<JobTypeName, JobHandler>> = {};
const settings: Partial<Record<JobTypeName, JobTypeSettings>> = {};
for (const jobType of config.jobTypes) {
  handlers[jobType] = testHandler(jobType, async (job, jobRecord) => {
    const fields = {
      id: jobRecord.id,
      deliveryCount: jobRecord.deliveryCount,
      job,
    };
    record({ event: "started", ...fields });
    if (jobDelayMs > 0) await sleep(jobDelayMs);
    record({ event: "finished", ...fields });
  });
  settings[jobType] = { concurrency, batchSize };
}

const bridge = await Bridge.start({
  config,
  invoker: invokerFor(handlers),
  events,
  jobTypeSettings: settings,
  pullExpiresMs,
});
onShutdownSignal(logger, async () => {
  await bridge.stop();
});
record({ event: "ready" });

// The test keeps this pipe open. When the test process dies without
// stopping this one, the pipe closes and this process exits too.
process.stdin.on("close", () => process.exit(1));
process.stdin.resume();
