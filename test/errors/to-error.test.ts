import assert from "node:assert/strict";
import { test } from "node:test";
import { toError } from "../../lib/errors.ts";

test("toError keeps an Error as it is", () => {
  const error = new TypeError("bad");
  assert.equal(toError(error), error);
});

test("toError describes thrown non-Errors", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: [unknown, string][] = [
    ["plain text", "plain text"],
    [null, "null"],
    [undefined, "undefined"],
    [42, "42"],
    [{ message: "from an object" }, "from an object"],
    [{ code: 7 }, 'non-Error value thrown: {"code":7}'],
    [Object.create(null), "non-Error value thrown: {}"],
    [cyclic, "non-Error value thrown: [object Object]"],
  ];
  for (const [thrown, expected] of cases) {
    const error = toError(thrown);
    assert.ok(error instanceof Error);
    assert.equal(error.message, expected);
    assert.equal(error.cause, thrown);
  }
});
