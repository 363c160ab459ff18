import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { startOwnNatsServer } from "../support/nats.ts";

test("stop leaves no timer behind", async () => {
  const nats = await startOwnNatsServer();
  try {
    const child = resolve(
      import.meta.dirname,
      "support",
      "hung-function-child.ts",
    );
    // The child ends by itself only when nothing keeps its event loop
    // alive; the timeout turns a leak into a killed child.
    const run = await new Promise<{
      code: number | null;
      signal: string | null;
      output: string;
    }>((done) => {
      let output = "";
      const bridgeProcess = execFile(process.execPath, [child, nats.url], {
        timeout: 30_000,
      });
      bridgeProcess.stdout?.on("data", (chunk) => {
        output += chunk;
      });
      bridgeProcess.stderr?.on("data", (chunk) => {
        output += chunk;
      });
      bridgeProcess.on("close", (code, signal) =>
        done({ code, signal, output }),
      );
    });
    assert.equal(run.signal, null, run.output);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /\{"unfinished":1\}/);
  } finally {
    await nats.dispose();
  }
});
