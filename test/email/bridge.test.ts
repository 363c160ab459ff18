import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { createHandler } from "../../functions/email.ts";
import { Bridge } from "../../lib/bridge/bridge.ts";
import type { BridgeEventMap } from "../../lib/bridge/events.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { freePort } from "../../lib/local/free-port.ts";
import { LocalSes } from "../../lib/local/ses-server.ts";
import { waitForEvent } from "../support/events.ts";
import { invokerFor } from "../support/handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "../support/nats.ts";
import {
  type EmailTestServices,
  emailsTo,
  startEmailTestServices,
  uniqueRecipient,
} from "./support.ts";

// The email function behind a real bridge on the shared nats-server, with
// the local SES and Redis: what the bridge does with its outcomes.

type Succeeded = BridgeEventMap["job.succeeded"][0];
type Retrying = BridgeEventMap["job.retrying"][0];
type DeadLettered = BridgeEventMap["job.dead-lettered"][0];

let services: EmailTestServices;
let connection: NatsConnection;
const streams: string[] = [];

before(async () => {
  services = await startEmailTestServices();
  connection = await connectTo(sharedNatsUrl);
});

after(async () => {
  const manager = await jetstreamManager(connection);
  for (const stream of streams) {
    await manager.streams.delete(stream).catch(() => false);
    const keys = await services.redis.keys(`email:sent:${stream}:*`);
    if (keys.length > 0) await services.redis.del(...keys);
  }
  await connection.close();
  await services.stop();
});

async function startEmailBridge(sesEndpoint: string) {
  const config = testBridgeConfig([sharedNatsUrl], ["email"]);
  const handler = createHandler(services.env({ SES_ENDPOINT: sesEndpoint }));
  const bridge = await Bridge.start({
    config,
    invoker: invokerFor({ email: handler }),
  });
  after(() => bridge.stop());

  const address = addressOf("email", config.naming);
  streams.push(address.stream, config.naming.deadLetterStream);
  const publish = (job: unknown) =>
    jetstream(connection).publish(address.subject, JSON.stringify(job));
  return { bridge, publish };
}

test("invalid recipient dead-lettered after one attempt", async () => {
  const { bridge, publish } = await startEmailBridge(services.ses.endpoint);
  const retries: Retrying[] = [];
  bridge.events.on("job.retrying", (event) => retries.push(event));
  const deadLettered = waitForEvent<DeadLettered>(
    bridge.events,
    "job.dead-lettered",
  );

  await publish({
    to: "not-an-address",
    subject: "Hello",
    template: {
      Verification: { username: "ann", token: "t", valid_minutes: 5 },
    },
  });

  const dead = await deadLettered;
  assert.equal(dead.deliveryCount, 1);
  assert.match(dead.reason, /not a valid email address/);
  assert.equal(retries.length, 0);
});

test("send retried until SES recovers, one mail", async () => {
  const port = await freePort();
  const { bridge, publish } = await startEmailBridge(
    `http://127.0.0.1:${port}`,
  );
  const to = uniqueRecipient();
  const retrying = waitForEvent<Retrying>(bridge.events, "job.retrying");
  const succeeded = waitForEvent<Succeeded>(bridge.events, "job.succeeded");

  await publish({
    to,
    subject: "Welcome",
    template: {
      Verification: { username: "ann", token: "t", valid_minutes: 5 },
    },
  });
  const retry = await retrying;
  assert.match(retry.reason, /SES send failed/);

  const ses = await LocalSes.start({ port });
  after(() => ses.stop());
  const success = await succeeded;

  assert.ok(success.deliveryCount >= 2);
  assert.equal((await emailsTo(ses.endpoint, to)).length, 1);
});
