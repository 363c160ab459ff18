import { test } from "node:test";
import { runLeaderKill } from "../support/cluster-scenario.ts";

// No recovery event is required here: pulls and acks go to the consumer
// leader, so a bridge not connected to the killed node never notices.
test("stream leader kill loses no job", async (t) => {
  await runLeaderKill(t, "stream");
});
