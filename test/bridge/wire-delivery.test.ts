import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Bridge } from "../../lib/bridge/bridge.ts";
import type { JobRecord } from "../../lib/contract.ts";
import type { JobHandler } from "../../lib/functions/job-handler.ts";
import { type JobTypeName, jobTypeNames } from "../../lib/jobs/catalogue.ts";
import { addressOf, type Naming } from "../../lib/jobs/naming.ts";
import { loadWireFixtures, wrongShapes } from "../fixtures/wire/fixtures.ts";
import {
  deleteStreams,
  readDeadLetters,
  storedCount,
} from "../support/dead-letters.ts";
import { collectEvents } from "../support/events.ts";
import { invokerFor, testHandler } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";

// Every golden payload and every wrong shape goes through the shared
// nats-server into a bridge running all six job types.

const calls: JobRecord[] = [];
let bridge: Bridge;
let connection: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let naming: Naming;

before(async () => {
  const config = testBridgeConfig([sharedNatsUrl], [...jobTypeNames]);
  naming = config.naming;
  const handlers: Partial<Record<JobTypeName, JobHandler>> = {};
  for (const jobType of jobTypeNames) {
    handlers[jobType] = testHandler(jobType, async (_job, record) => {
      calls.push(record);
    });
  }
  bridge = await Bridge.start({ config, invoker: invokerFor(handlers) });
  connection = await connectTo(sharedNatsUrl);
  js = jetstream(connection);
  jsm = await jetstreamManager(connection);
});

after(async () => {
  await bridge.stop();
  await deleteStreams(jsm, [
    ...jobTypeNames.map((jobType) => addressOf(jobType, naming).stream),
    naming.deadLetterStream,
  ]);
  await connection.close();
});

test("golden fixtures reach their function and are acked", async () => {
  const fixtures = loadWireFixtures();
  const succeeded = collectEvents(
    bridge.events,
    "job.succeeded",
    fixtures.length,
  );

  for (const fixture of fixtures) {
    await js.publish(addressOf(fixture.jobType, naming).subject, fixture.body);
  }
  await succeeded;

  assert.equal(calls.length, fixtures.length);
  for (const fixture of fixtures) {
    const expected = JSON.parse(new TextDecoder().decode(fixture.body));
    const matching = calls.filter(
      (record) =>
        record.subject === addressOf(fixture.jobType, naming).subject &&
        JSON.stringify(record.job) === JSON.stringify(expected),
    );
    assert.equal(matching.length, 1, `${fixture.name} ran once`);
  }
  for (const jobType of jobTypeNames) {
    const { stream } = addressOf(jobType, naming);
    assert.equal(await storedCount(jsm, stream), 0, `${stream} is drained`);
  }
});

test("wrong shapes are dead-lettered at first delivery", async () => {
  const callsBefore = calls.length;
  const deadLettered = collectEvents(
    bridge.events,
    "job.dead-lettered",
    wrongShapes.length,
  );

  // Stream sequences repeat across streams, so the key holds both.
  const published = new Map<string, (typeof wrongShapes)[number]>();
  for (const shape of wrongShapes) {
    const address = addressOf(shape.jobType, naming);
    const ack = await js.publish(address.subject, shape.body);
    published.set(`${address.subject}#${ack.seq}`, shape);
  }
  await deadLettered;

  const letters = await readDeadLetters(jsm, naming.deadLetterStream);
  assert.equal(letters.length, wrongShapes.length);
  for (const shape of wrongShapes) {
    const address = addressOf(shape.jobType, naming);
    const letter = letters.find(
      (candidate) =>
        published.get(
          `${candidate.originalSubject}#${candidate.streamSequence}`,
        ) === shape,
    );
    assert.ok(letter, `dead letter for ${shape.case}`);
    assert.match(letter.lastError, shape.reason, shape.case);
    assert.equal(letter.deliveryCount, 1, shape.case);
    assert.equal(letter.failureKind, "invalid", shape.case);
    assert.equal(letter.subject, address.deadLetterSubject, shape.case);
    assert.deepEqual(letter.data, shape.body, shape.case);
  }
  assert.equal(calls.length, callsBefore, "no function saw a wrong shape");
});
