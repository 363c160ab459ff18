import assert from "node:assert/strict";
import { test } from "node:test";
import { jobTypeNames } from "../../lib/jobs/catalogue.ts";
import { decodeJob } from "../../lib/jobs/decode.ts";
import { loadWireFixtures, wrongShapes } from "../fixtures/wire/fixtures.ts";

const fixtures = loadWireFixtures();

test("golden fixtures cover every job type and template", () => {
  const jobTypes = new Set(fixtures.map((fixture) => fixture.jobType));
  assert.deepEqual([...jobTypes].sort(), [...jobTypeNames].sort());

  const templates = fixtures
    .filter((fixture) => fixture.jobType === "email")
    .map((fixture) => Object.keys(parseJson(fixture.body).template)[0])
    .sort();
  assert.deepEqual(templates, [
    "Custom",
    "EmailChange",
    "PasswordReset",
    "Verification",
  ]);
});

for (const fixture of fixtures) {
  test(`golden fixture ${fixture.name} decodes unchanged`, () => {
    const decoded = decodeJob(fixture.jobType, fixture.body);

    assert.ok(decoded.ok, decoded.ok ? "" : decoded.reason);
    assert.deepEqual(decoded.job, parseJson(fixture.body));
  });
}

test("unknown fields are ignored as serde does", () => {
  const body = new TextEncoder().encode(
    JSON.stringify({
      post_id: "0190a4f2-1b2c-7d3e-8f40-123456789abc",
      action: "Delete",
      published_by: "server-2",
    }),
  );

  const decoded = decodeJob("index-post", body);

  assert.ok(decoded.ok);
  assert.deepEqual(decoded.job, {
    post_id: "0190a4f2-1b2c-7d3e-8f40-123456789abc",
    action: "Delete",
  });
});

for (const shape of wrongShapes) {
  test(`wrong shape rejected: ${shape.case}`, () => {
    const decoded = decodeJob(shape.jobType, shape.body);

    assert.equal(decoded.ok, false);
    assert.match(decoded.ok ? "" : decoded.reason, shape.reason);
  });
}

function parseJson(body: Uint8Array): { template: object } {
  return JSON.parse(new TextDecoder().decode(body));
}
