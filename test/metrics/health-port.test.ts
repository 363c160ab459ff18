import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { test } from "node:test";
import { BridgeEvents } from "../../lib/bridge/events.ts";
import {
  HealthPortInUseError,
  HealthServer,
} from "../../lib/bridge/health-server.ts";

test("taken health port names HEALTH_PORT", async (t) => {
  const blocker = createServer();
  blocker.listen(0, "127.0.0.1");
  await once(blocker, "listening");
  t.after(() => blocker.close());
  const address = blocker.address();
  assert.ok(address !== null && typeof address === "object");

  await assert.rejects(
    HealthServer.start(new BridgeEvents(), {
      port: address.port,
      host: "127.0.0.1",
    }),
    (error: unknown) =>
      error instanceof HealthPortInUseError &&
      error.message.includes(String(address.port)) &&
      error.message.includes("HEALTH_PORT"),
  );
});
