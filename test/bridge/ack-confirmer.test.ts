import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  AckPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { createInbox } from "@nats-io/nats-core";
import { AckConfirmer } from "../../lib/bridge/ack-confirmer.ts";
import { deleteStreams } from "../support/dead-letters.ts";
import {
  connectTo,
  sharedNatsUrl,
  startOwnNatsServer,
  uniqueNaming,
} from "../support/nats.ts";

test("ack to a consumer is confirmed", async () => {
  const connection = await connectTo(sharedNatsUrl);
  const jsm = await jetstreamManager(connection);
  const stream = `${uniqueNaming().streamPrefix}_ACKS`;
  const acks = new AckConfirmer(connection);
  after(async () => {
    acks.close();
    await deleteStreams(jsm, [stream]);
    await connection.close();
  });

  await jsm.streams.add({ name: stream, subjects: [`${stream}.jobs`] });
  await jsm.consumers.add(stream, {
    durable_name: "worker",
    ack_policy: AckPolicy.Explicit,
  });
  const js = jetstream(connection);
  await js.publish(`${stream}.jobs`, "job");
  const consumer = await js.consumers.get(stream, "worker");
  const message = await consumer.next({ expires: 5_000 });
  assert.ok(message, "the published job was not delivered");

  // nats.js 3.4 messages have the reply subject, but their type leaves it
  // out.
  const { reply } = message as JsMsg & { reply: string };
  acks.start();
  const outcome = await acks.send(reply);
  const info = await consumer.info();

  assert.equal(outcome, "confirmed");
  assert.equal(info.num_ack_pending, 0);
  assert.equal(acks.pending, 0);
});

test("ack without a responder is reported", async () => {
  const connection = await connectTo(sharedNatsUrl);
  const acks = new AckConfirmer(connection);
  after(async () => {
    acks.close();
    await connection.close();
  });

  acks.start();
  const outcome = await acks.send(createInbox());

  assert.equal(outcome, "no-responders");
});

test("ack without a reply times out", async () => {
  const connection = await connectTo(sharedNatsUrl);
  const acks = new AckConfirmer(connection, { timeoutMs: 100 });
  const silent = connection.subscribe(createInbox());
  after(async () => {
    silent.unsubscribe();
    acks.close();
    await connection.close();
  });

  acks.start();
  const outcome = await acks.send(silent.getSubject());

  assert.equal(outcome, "timed-out");
  assert.equal(acks.pending, 0);
});

test("close resolves pending acks", async () => {
  const connection = await connectTo(sharedNatsUrl);
  const acks = new AckConfirmer(connection, { timeoutMs: 60_000 });
  const silent = connection.subscribe(createInbox());
  after(async () => {
    silent.unsubscribe();
    await connection.close();
  });

  acks.start();
  const outcome = acks.send(silent.getSubject());
  await connection.flush();
  acks.close();

  assert.equal(await outcome, "closed");
  assert.equal(await acks.send(silent.getSubject()), "closed");
  assert.equal(acks.closed, true);
});

test("reconnect resolves pending acks", async () => {
  const server = await startOwnNatsServer();
  const connection = await connectTo(server.url);
  const acks = new AckConfirmer(connection, { timeoutMs: 60_000 });
  const silent = connection.subscribe(createInbox());
  after(async () => {
    acks.close();
    await connection.close();
    await server.dispose();
  });

  acks.start();
  const outcome = acks.send(silent.getSubject());
  await connection.flush();
  await server.stop();
  await server.restart();

  assert.equal(await outcome, "reconnected");
  // nats.js subscribes again after the reconnect, so later acks work.
  assert.equal(await acks.send(createInbox()), "no-responders");
});
