import assert from "node:assert/strict";
import { test } from "node:test";
import { runLeaderKill } from "../support/cluster-scenario.ts";

test("consumer leader kill loses no job", async (t) => {
  const result = await runLeaderKill(t, "consumer");

  assert.ok(result.recovery.troubleCount > 0, "no bridge reported the kill");
});
