import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobResult } from "../../lib/contract.ts";
import type { JobHandler } from "../../lib/functions/job-handler.ts";
import { InProcessInvoker } from "../../lib/invoke/in-process.ts";

/** A handler whose result the test hands over when it chooses. */
function controlledHandler(): {
  handler: JobHandler;
  finish: (result: JobResult) => void;
  fail: (error: Error) => void;
} {
  let finish: (result: JobResult) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const handler = Object.assign(
    () =>
      new Promise<JobResult>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
    { prepare: async () => {} },
  );
  return {
    handler,
    finish: (result) => finish(result),
    fail: (error) => fail(error),
  };
}

const event = { records: [] };

describe("in-process invoker timeout", () => {
  test("hung function fails retryable", async () => {
    const controlled = controlledHandler();
    const invoker = new InProcessInvoker(async () => controlled.handler, {
      timeoutMs: { "delete-content": 50 },
    });
    await invoker.start(["delete-content"]);

    const outcome = await invoker.invoke("delete-content", event);
    assert.deepEqual(outcome, {
      status: "failed",
      reason: "function timed out after 0.05 s",
      throttled: false,
    });
  });

  test("late failure is ignored", async () => {
    const late = controlledHandler();
    const invoker = new InProcessInvoker(async () => late.handler, {
      timeoutMs: { "delete-content": 50 },
    });
    await invoker.start(["delete-content"]);

    const outcome = await invoker.invoke("delete-content", event);
    // An unhandled rejection would fail this test file.
    late.fail(new Error("late failure"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(outcome, {
      status: "failed",
      reason: "function timed out after 0.05 s",
      throttled: false,
    });
  });

  test("result within timeout completes", async () => {
    const quick = controlledHandler();
    const invoker = new InProcessInvoker(async () => quick.handler);
    await invoker.start(["delete-content"]);

    const pending = invoker.invoke("delete-content", event);
    quick.finish({ failures: [], enqueue: [] });
    assert.deepEqual(await pending, {
      status: "completed",
      result: { failures: [], enqueue: [] },
    });
  });
});
