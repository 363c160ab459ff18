import assert from "node:assert/strict";
import { after, test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import type { JobHandler } from "../../lib/functions/job-handler.ts";
import type { Invoker } from "../../lib/invoke/invoker.ts";
import { type JobTypeName, jobTypeNames } from "../../lib/jobs/catalogue.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import type { LocalLambdaEndpoint } from "../../lib/local/lambda-endpoint.ts";
import { loadWireFixtures, wrongShapes } from "../fixtures/wire/fixtures.ts";
import { invokerFor } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import { createScriptedHandler } from "./handlers/scripted.ts";
import { permanentId, retryOnceId } from "./handlers/scripted-ids.ts";
import {
  deleteStreams,
  invokerOn,
  scriptedFunction,
  startEndpoint,
} from "./support.ts";

interface Case {
  name: string;
  jobType: JobTypeName;
  body: Uint8Array;
}

/** The golden payloads, the wrong shapes, and two records the function fails. */
function cases(): Case[] {
  const encode = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value));
  return [
    ...loadWireFixtures(),
    ...wrongShapes.map((shape) => ({ ...shape, name: shape.case })),
    {
      name: "permanent failure in the function",
      jobType: "index-post",
      body: encode({ post_id: permanentId(1), action: "Index" }),
    },
    {
      name: "retryable failure in the function",
      jobType: "index-post",
      body: encode({ post_id: retryOnceId(1), action: "Delete" }),
    },
  ];
}

/**
 * Publishes every case to a fresh set of streams, runs them through a
 * bridge with the given invoker until each is acked or dead-lettered, and
 * returns what happened to each case, delivery by delivery.
 */
async function outcomesThrough(
  connection: NatsConnection,
  invoker: Invoker,
): Promise<Map<string, string[]>> {
  const events = new BridgeEvents();
  const config = testBridgeConfig([sharedNatsUrl], [...jobTypeNames]);
  const bridge = await Bridge.start({ config, events, connection, invoker });
  const js = jetstream(connection);
  const nameOf = new Map<string, string>();
  const outcomes = new Map<string, string[]>();
  const all = cases();
  let settled = 0;

  const done = new Promise<void>((resolve) => {
    const note = (
      outcome: string,
      fields: { subject: string; sequence: number; deliveryCount: number },
      detail = "",
    ) => {
      const name = nameOf.get(`${fields.subject}#${fields.sequence}`) ?? "?";
      const seen = outcomes.get(name) ?? [];
      seen.push(`${outcome} at delivery ${fields.deliveryCount}${detail}`);
      outcomes.set(name, seen);
      if (outcome !== "retrying" && ++settled === all.length) resolve();
    };
    events.on("job.succeeded", (fields) => note("succeeded", fields));
    events.on("job.retrying", (fields) =>
      note("retrying", fields, `: ${fields.reason}`),
    );
    events.on("job.dead-lettered", (fields) =>
      note("dead-lettered", fields, ` (${fields.kind}): ${fields.reason}`),
    );
  });

  try {
    for (const item of all) {
      const subject = addressOf(item.jobType, config.naming).subject;
      const ack = await js.publish(subject, item.body);
      nameOf.set(`${subject}#${ack.seq}`, item.name);
    }
    await done;
    return outcomes;
  } finally {
    await bridge.stop();
    await deleteStreams(connection, config);
  }
}

let endpoint: LocalLambdaEndpoint | undefined;
let connection: NatsConnection | undefined;
after(async () => {
  await endpoint?.close();
  await connection?.close();
});

test("fixtures settle the same in-process and on Lambda", async () => {
  connection = await connectTo(sharedNatsUrl);
  const functionName = (jobType: JobTypeName) => `scripted-${jobType}`;
  endpoint = await startEndpoint(
    jobTypeNames.map((jobType) =>
      scriptedFunction(functionName(jobType), jobType),
    ),
  );

  const handlers: Partial<Record<JobTypeName, JobHandler>> = {};
  const functionNames: Partial<Record<JobTypeName, string>> = {};
  for (const jobType of jobTypeNames) {
    handlers[jobType] = createScriptedHandler(jobType);
    functionNames[jobType] = functionName(jobType);
  }
  const inProcess = await outcomesThrough(connection, invokerFor(handlers));
  const lambda = await outcomesThrough(
    connection,
    invokerOn(endpoint, functionNames),
  );

  assert.deepEqual(lambda, inProcess);

  // And the outcomes are the expected ones, not merely equal.
  for (const fixture of loadWireFixtures()) {
    assert.deepEqual(lambda.get(fixture.name), ["succeeded at delivery 1"]);
  }
  for (const shape of wrongShapes) {
    const [only, ...rest] = lambda.get(shape.case) ?? [];
    assert.match(only ?? "", /^dead-lettered at delivery 1 \(invalid\): /);
    assert.equal(rest.length, 0);
  }
  assert.deepEqual(lambda.get("permanent failure in the function"), [
    `dead-lettered at delivery 1 (permanent): post ${permanentId(1)} can never be indexed`,
  ]);
  assert.deepEqual(lambda.get("retryable failure in the function"), [
    `retrying at delivery 1: search index briefly unavailable for ${retryOnceId(1)}`,
    "succeeded at delivery 2",
  ]);
  const executed = endpoint.invocations.filter((i) => i.executed);
  assert.ok(executed.length > 0);
  assert.ok(executed.every((invocation) => invocation.status === 200));
});
