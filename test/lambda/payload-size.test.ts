import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import { type BridgeEventMap, BridgeEvents } from "../../lib/bridge/events.ts";
import { provision } from "../../lib/bridge/provision.ts";
import { maxInvokePayloadBytes } from "../../lib/bridge/split-batch.ts";
import { deadLetterHeaders } from "../../lib/dead-letter-headers.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import type { LocalLambdaEndpoint } from "../../lib/local/lambda-endpoint.ts";
import { NatsServer } from "../../lib/local/nats-server.ts";
import { collectEvents } from "../support/events.ts";
import { connectTo, testBridgeConfig } from "../support/nats.ts";
import { invokerOn, scriptedFunction, startEndpoint } from "./support.ts";

type Succeeded = BridgeEventMap["job.succeeded"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];
type Split = BridgeEventMap["batch.split"][0];

// NATS rejects messages over 1 MB by default. The 6.4 MB job of this test
// needs a server that allows 8 MB, as a deployment sending such jobs would.
let server: NatsServer;
let storeDir: string;
let connection: NatsConnection;
let endpoint: LocalLambdaEndpoint;

before(async () => {
  storeDir = await mkdtemp(join(tmpdir(), "axumkit-payload-"));
  const configFile = join(storeDir, "nats.conf");
  await writeFile(configFile, "max_payload: 8MB\n");
  server = await NatsServer.start({
    storeDir: join(storeDir, "store"),
    extraArgs: ["-c", configFile],
  });
  connection = await connectTo(server.url);
  endpoint = await startEndpoint([scriptedFunction("scripted-email", "email")]);
});

after(async () => {
  await connection.close();
  await endpoint.close();
  await server.stop();
  await rm(storeDir, { recursive: true, force: true });
});

function customEmail(subject: string, html: string): string {
  return JSON.stringify({
    to: "reader@example.com",
    subject,
    template: { Custom: { html_content: html } },
  });
}

/** Publishes the jobs, then runs a bridge that takes them as one batch. */
async function runBatch(
  jobs: string[],
  expected: { succeeded: number; deadLettered: number },
) {
  const events = new BridgeEvents();
  const config = testBridgeConfig([server.url], ["email"]);
  await provision(await jetstreamManager(connection), config);
  const js = jetstream(connection);
  const subject = addressOf("email", config.naming).subject;
  const sequences: number[] = [];
  for (const job of jobs) sequences.push((await js.publish(subject, job)).seq);

  const collect = <Payload>(name: string, count: number) =>
    count === 0
      ? Promise.resolve([])
      : collectEvents<Payload>(events, name, count);
  const succeeded = collect<Succeeded>("job.succeeded", expected.succeeded);
  const deadLettered = collect<DeadLettered>(
    "job.dead-lettered",
    expected.deadLettered,
  );
  const splits = collectEvents<Split>(events, "batch.split", 1);
  const bridge = await Bridge.start({
    config,
    events,
    connection,
    invoker: invokerOn(endpoint, { email: "scripted-email" }),
    jobTypeSettings: {
      email: { concurrency: 1, batchSize: jobs.length, batchWindowMs: 1_000 },
    },
  });
  try {
    return {
      config,
      sequences,
      split: (await splits)[0],
      succeeded: await succeeded,
      deadLettered: await deadLettered,
    };
  } finally {
    await bridge.stop();
  }
}

// 3.2 million `é` are 3.2 million characters but 6.4 MB in UTF-8,
// over Lambda's 6 MB limit. The job is dead-lettered with a size reason,
// never sent to Lambda and never nak-looped; the rest of its batch runs.
test("F15 oversized record dead-lettered, never sent", async () => {
  const invocationsBefore = endpoint.invocations.length;
  const html = "é".repeat(3_200_000);
  assert.ok(html.length < maxInvokePayloadBytes);

  const { config, sequences, split, succeeded, deadLettered } = await runBatch(
    [
      customEmail("first", "<p>1</p>"),
      customEmail("huge", html),
      customEmail("last", "<p>3</p>"),
    ],
    { succeeded: 2, deadLettered: 1 },
  );
  const [first, huge, last] = sequences;

  assert.deepEqual(split, {
    jobType: "email",
    records: 3,
    invokes: 1,
    oversized: 1,
  });
  const [dead] = deadLettered;
  assert.equal(dead?.sequence, huge);
  assert.equal(dead?.deliveryCount, 1);
  assert.equal(dead?.kind, "permanent");
  assert.match(
    dead?.reason ?? "",
    /^record is \d+ bytes as an invoke payload, over Lambda's synchronous limit of 6291456 bytes/,
  );
  assert.deepEqual(succeeded.map((fields) => fields.sequence).sort(), [
    first,
    last,
  ]);

  // Lambda saw one invoke with the two small records, and nothing over
  // its limit (the endpoint rejects that with a 413).
  const invocations = endpoint.invocations.slice(invocationsBefore);
  assert.equal(invocations.length, 1);
  assert.equal(invocations[0]?.status, 200);
  assert.equal(invocations[0]?.recordIds.length, 2);
  assert.ok(!invocations[0]?.recordIds.some((id) => id.endsWith(`:${huge}`)));

  // The dead letter keeps the whole original payload.
  const stored = await (await jetstreamManager(connection)).streams.getMessage(
    config.naming.deadLetterStream,
    { last_by_subj: `${config.naming.deadLetterSubjectPrefix}.email` },
  );
  assert.equal(
    stored?.data.length,
    Buffer.byteLength(customEmail("huge", html)),
  );
  assert.equal(stored?.header.get(deadLetterHeaders.failureKind), "permanent");
});

test("batch over the payload limit is split in two", async () => {
  const invocationsBefore = endpoint.invocations.length;
  const html = "é".repeat(1_250_000);

  const { split, succeeded } = await runBatch(
    [customEmail("a", html), customEmail("b", html), customEmail("c", html)],
    { succeeded: 3, deadLettered: 0 },
  );

  assert.deepEqual(split, {
    jobType: "email",
    records: 3,
    invokes: 2,
    oversized: 0,
  });
  assert.ok(succeeded.every((fields) => fields.deliveryCount === 1));
  const invocations = endpoint.invocations.slice(invocationsBefore);
  assert.deepEqual(
    invocations.map((i) => i.recordIds.length),
    [2, 1],
  );
  assert.ok(invocations.every((i) => i.status === 200));
});
