import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterNode } from "../../lib/local/nats-cluster.ts";
import {
  killAndRestartLater,
  runFailoverScenario,
  separateLeaders,
} from "../support/cluster-scenario.ts";

// 10,000 jobs on R3 streams, three bridge replicas with four jobs each at a
// time, the function working 20 ms per job. The node leading the stream,
// and not the consumer, is killed once 3,000 jobs are processed and
// restarted 2,000 jobs later.
test("stream leader kill loses no job", async (t) => {
  let inFlightAtKill = -1;
  let victim: ClusterNode | undefined;

  const result = await runFailoverScenario({
    jobs: 10_000,
    bridges: 3,
    faultAfter: 3_000,
    workMs: 20,
    async prepare(context) {
      const { stream, consumer } = await separateLeaders(context);
      assert.notEqual(stream.name, consumer.name);
      victim = stream;
    },
    async fault(context) {
      assert.ok(victim !== undefined);
      inFlightAtKill = await killAndRestartLater(context, victim, 2_000);
    },
  });

  t.diagnostic(
    `${result.tally.duplicates} duplicates, ${inFlightAtKill} in flight at the kill, ${result.recovery.counts.get("ack.resending") ?? 0} acks resent, ${result.recovery.counts.get("ack.failed") ?? 0} never confirmed`,
  );
  assert.deepEqual(result.tally.missing(result.expectedIds), []);
  assert.equal(result.tally.processed, 10_000);
  assert.equal(result.streamMessages, 0);
  assert.equal(result.ackPending, 0);
  assert.ok(
    result.tally.duplicates <= inFlightAtKill,
    `${result.tally.duplicates} duplicates, ${inFlightAtKill} in flight at the kill`,
  );
  // No recovery event is required here: pulls and acks go to the consumer
  // leader, so a bridge not connected to the killed node never notices.
});
