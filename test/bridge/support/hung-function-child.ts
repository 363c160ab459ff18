// Starts a bridge whose in-process function never returns, publishes one
// job, stops the bridge once the function runs, and then ends without
// process.exit: it exits only if stop() left no timer or socket behind.
// Argument: the NATS URL of a test-owned server.
import { jetstream } from "@nats-io/jetstream";
import { Bridge } from "../../../lib/bridge/bridge.ts";
import type { JobHandler } from "../../../lib/functions/job-handler.ts";
import { InProcessInvoker } from "../../../lib/invoke/in-process.ts";
import { addressOf } from "../../../lib/jobs/naming.ts";
import { connectTo, testBridgeConfig } from "../../support/nats.ts";

const natsUrl = process.argv[2];
if (natsUrl === undefined) throw new Error("usage: hung-function-child URL");

let markInvoked: () => void = () => {};
const invoked = new Promise<void>((resolve) => {
  markInvoked = resolve;
});
const hung: JobHandler = Object.assign(
  async () => {
    markInvoked();
    return new Promise<never>(() => {});
  },
  { prepare: async () => {} },
);

const config = testBridgeConfig([natsUrl], ["delete-content"], {
  // In-progress acks every 1 s, so one is due well within the test.
  ackWaitMs: 3_000,
  shutdownTimeoutMs: 100,
});
const bridge = await Bridge.start({
  config,
  // Far past the test's wait, so only stop() can end the in-progress acks.
  invoker: new InProcessInvoker(async () => hung, {
    timeoutMs: { "delete-content": 600_000 },
  }),
});

const connection = await connectTo(natsUrl);
const address = addressOf("delete-content", config.naming);
await jetstream(connection).publish(
  address.subject,
  JSON.stringify({ storage_keys: ["posts/a"] }),
);
await connection.close();

await invoked;
const unfinished = await bridge.stop();
console.log(JSON.stringify({ unfinished }));
