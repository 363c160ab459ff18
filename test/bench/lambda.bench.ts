// Throughput of the Lambda path with and without batching. Index-post jobs
// that do nothing run through the bridge, the real AWS SDK and the local
// Lambda endpoint, which adds 20 ms of latency to every invoke, as a
// network round trip and Lambda's own overhead would. Both modes use the
// same concurrency (4 invokes at once) and the same warm function
// processes. Only the batch size differs, 25 records (50 ms window)
// against 1. Each mode drains a backlog of jobs published before the
// bridge starts, on the nats-server at TEST_NATS_URL (default
// 127.0.0.1:4222).
//
//   npm run bench:lambda [-- --jobs 1000]
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import { provision } from "../../lib/bridge/provision.ts";
import type { LambdaInvoker } from "../../lib/invoke/lambda.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { plainId } from "../lambda/handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "../lambda/support.ts";
import { collectEvents } from "../support/events.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

const { values } = parseArgs({
  options: { jobs: { type: "string", default: "1000" } },
});
const jobs = Number(values.jobs);
const concurrency = 4;
const latencyMs = 20;
const functionName = "bench-index-post";

interface Mode {
  label: string;
  batchSize: number;
  batchWindowMs: number;
}

const unbatched: Mode = {
  label: "unbatched (batch size 1)",
  batchSize: 1,
  batchWindowMs: 0,
};
const batched: Mode = {
  label: "batched (batch size 25, 50 ms window)",
  batchSize: 25,
  batchWindowMs: 50,
};

/** Drains a backlog of `jobs` no-op jobs; returns jobs per second. */
async function drain(
  connection: NatsConnection,
  invoker: LambdaInvoker,
  mode: Mode,
): Promise<number> {
  const config = testBridgeConfig([sharedNatsUrl], ["index-post"]);
  await provision(await jetstreamManager(connection), config);
  const js = jetstream(connection);
  const subject = addressOf("index-post", config.naming).subject;
  await Promise.all(
    Array.from({ length: jobs }, (_, n) =>
      js.publish(
        subject,
        JSON.stringify({ post_id: plainId(n + 1), action: "Index" }),
      ),
    ),
  );

  const events = new BridgeEvents();
  const done = collectEvents(events, "job.succeeded", jobs, 600_000);
  const started = performance.now();
  const bridge = await Bridge.start({
    config,
    events,
    connection,
    invoker,
    jobTypeSettings: { "index-post": { concurrency, ...mode } },
  });
  await done;
  const seconds = (performance.now() - started) / 1_000;
  await bridge.stop();
  await deleteStreams(connection, config);
  return jobs / seconds;
}

const connection = await connectTo(sharedNatsUrl);
const endpoint = await startEndpoint([
  scriptedFunction(functionName, "index-post", {
    reservedConcurrency: concurrency,
  }),
]);
const invoker = invokerOn(endpoint, { "index-post": functionName });
try {
  // Start the function's processes before measuring, so neither mode pays
  // for cold starts.
  const warmUp = { records: [] };
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      invoker.invoke("index-post", warmUp),
    ),
  );
  endpoint.inject(functionName, { latencyMs });

  const unbatchedRate = await drain(connection, invoker, unbatched);
  const batchedRate = await drain(connection, invoker, batched);

  console.log(
    `jobs per mode: ${jobs}, concurrency ${concurrency}, ${latencyMs} ms latency per invoke`,
  );
  console.log(`${unbatched.label}: ${unbatchedRate.toFixed(1)} jobs/s`);
  console.log(`${batched.label}: ${batchedRate.toFixed(1)} jobs/s`);
  console.log(
    `batched/unbatched ratio: ${(batchedRate / unbatchedRate).toFixed(2)}`,
  );
} finally {
  await invoker.close();
  await endpoint.close();
  await connection.close();
}
