import assert from "node:assert/strict";
import { test } from "node:test";
import { envValue, withoutBlankValues } from "../../lib/config/env-reader.ts";
import { type StackContext, startStack } from "../../lib/local/stack.ts";

test("blank value reads as unset", () => {
  const source = { EMPTY: "", SPACES: "  \t", SET: " x " };
  assert.equal(envValue(source, "EMPTY"), undefined);
  assert.equal(envValue(source, "SPACES"), undefined);
  assert.equal(envValue(source, "MISSING"), undefined);
  assert.equal(envValue(source, "SET"), "x");
  assert.deepEqual(withoutBlankValues(source), { SET: "x" });
});

test("stack starters never see blanks", async () => {
  const seen: StackContext["env"][] = [];
  const stack = await startStack(
    [
      async ({ env }) => {
        seen.push(env);
        return {
          name: "first",
          url: "x",
          reused: true,
          env: { FROM_FIRST: "1" },
          stop: async () => {},
        };
      },
      async ({ env }) => {
        seen.push(env);
        return {
          name: "second",
          url: "x",
          reused: true,
          env: {},
          stop: async () => {},
        };
      },
    ],
    { env: { NATS_URL: "", CONTENT_BUCKET: " ", KEPT: "k" }, dataDir: "." },
  );
  assert.deepEqual(seen[0], { KEPT: "k" });
  assert.deepEqual(seen[1], { KEPT: "k", FROM_FIRST: "1" });
  assert.equal("NATS_URL" in stack.env, false);
  assert.equal("CONTENT_BUCKET" in stack.env, false);
});
