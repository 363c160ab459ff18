import assert from "node:assert/strict";
import { test } from "node:test";
import { inFlightOf } from "../support/cluster.ts";
import { runFailoverScenario } from "../support/cluster-scenario.ts";

// 10,000 jobs on R3 streams, three bridge replicas with four jobs each at a
// time, the function working 20 ms per job, so the jobs take at least 14 s.
// Once 1,000 are processed, each node in turn is stopped, started again and
// waited for until the cluster reports it healthy.
test("rolling restart loses no job", async (t) => {
  let inFlightAtStops = 0;
  const processedAtRestarts: number[] = [];

  const result = await runFailoverScenario({
    jobs: 10_000,
    bridges: 3,
    faultAfter: 1_000,
    workMs: 20,
    async fault({ cluster, bridges, tally }) {
      for (const node of cluster.nodes) {
        inFlightAtStops += inFlightOf(bridges);
        await node.server.stop();
        await node.server.restart();
        await cluster.waitUntilHealthy();
        processedAtRestarts.push(tally.processed);
      }
    },
  });

  // Jobs were still flowing when the last node came back.
  assert.ok(
    (processedAtRestarts.at(-1) ?? Infinity) < 10_000,
    `restarts ended after ${processedAtRestarts.at(-1)} jobs`,
  );
  t.diagnostic(
    `${result.tally.duplicates} duplicates, ${inFlightAtStops} in flight at the stops`,
  );
  assert.deepEqual(result.tally.missing(result.expectedIds), []);
  assert.equal(result.tally.processed, 10_000);
  assert.equal(result.streamMessages, 0);
  assert.equal(result.ackPending, 0);
  assert.ok(
    result.tally.duplicates <= inFlightAtStops,
    `${result.tally.duplicates} duplicates, ${inFlightAtStops} in flight at the stops`,
  );
});
