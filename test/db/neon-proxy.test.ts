import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { NeonProxy, parseTarget } from "../../lib/local/neon-proxy.ts";

test("proxy target accepts loopback addresses", () => {
  assert.deepEqual(parseTarget("/v2?address=127.0.0.1:5432"), {
    host: "127.0.0.1",
    port: 5432,
  });
  assert.deepEqual(parseTarget("/v2?address=localhost:6543"), {
    host: "localhost",
    port: 6543,
  });
  assert.deepEqual(parseTarget("/v2?address=[::1]:5432"), {
    host: "::1",
    port: 5432,
  });
});

test("proxy target rejects other hosts", () => {
  for (const address of [
    "ep-quiet-1234.eu-central-1.aws.neon.tech:5432",
    "10.0.0.5:5432",
    "127.0.0.1.example.com:5432",
    "127.0.0.1:0",
    "127.0.0.1:70000",
    "127.0.0.1",
  ]) {
    assert.equal(parseTarget(`/v2?address=${address}`), undefined, address);
  }
  assert.equal(parseTarget("/v2"), undefined);
});

test("proxy closes a connection to a remote host", async () => {
  const proxy = await NeonProxy.start();
  try {
    const socket = new WebSocket(
      `ws://${proxy.address}?address=192.0.2.1:5432`,
    );
    const code = await new Promise<number>((resolve) =>
      socket.once("close", (closeCode) => resolve(closeCode)),
    );
    assert.equal(code, 1008);
  } finally {
    await proxy.stop();
  }
});
