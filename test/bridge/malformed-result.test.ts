import assert from "node:assert/strict";
import { test } from "node:test";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import type { JobResult } from "../../lib/contract.ts";
import type { JobHandler } from "../../lib/functions/job-handler.ts";
import { storedCount } from "../support/dead-letters.ts";
import { waitForEvent } from "../support/events.ts";
import { invokerFor } from "../support/handlers.ts";
import { startOwnNatsServer } from "../support/nats.ts";
import { startTestBridge } from "../support/test-bridge.ts";

type Retrying = BridgeEventMap["job.retrying"][0];

const job = {
  to: "ann@example.com",
  subject: "Verify",
  template: { Verification: { username: "ann", token: "t", valid_minutes: 5 } },
};

/** Builds a raw function that returns `resultFor(record id)` for a batch. */
function rawHandler(resultFor: (recordId: string) => JobResult): JobHandler {
  const handler = async (event: unknown) => {
    const { records } = event as { records: { id: string }[] };
    return resultFor(records[0]?.id ?? "");
  };
  return Object.assign(handler, { prepare: async () => {} });
}

const cases: {
  name: string;
  resultFor: (recordId: string) => JobResult;
}[] = [
  {
    name: "failure",
    resultFor: () => ({
      failures: [{ id: "someone:else", retryable: false, reason: "x" }],
      enqueue: [],
    }),
  },
  {
    name: "follow-up",
    resultFor: () => ({
      failures: [],
      enqueue: [{ subject: "a.b", job: {}, recordId: "someone:else" }],
    }),
  },
];

for (const { name, resultFor } of cases) {
  test(`unknown ${name} record id retries`, async (t) => {
    const server = await startOwnNatsServer();
    let dispose = () => server.dispose();
    t.after(() => dispose());
    const harness = await startTestBridge({
      jobType: "email",
      servers: [server.url],
      process: async () => {},
      bridgeOptions: { invoker: invokerFor({ email: rawHandler(resultFor) }) },
    });
    dispose = async () => {
      await harness.dispose();
      await server.dispose();
    };
    const { address, js, jsm, bridge } = harness;

    const retrying = waitForEvent<Retrying>(bridge.events, "job.retrying");
    const { seq } = await js.publish(address.subject, JSON.stringify(job));
    const retry = await retrying;

    assert.equal(retry.sequence, seq);
    assert.equal(
      retry.reason,
      'function result names record id "someone:else", which is not in the batch',
    );
    // The job stays in the work queue for its next delivery.
    assert.equal(await storedCount(jsm, address.stream), 1);
  });
}
