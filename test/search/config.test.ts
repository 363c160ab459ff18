import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../lib/errors.ts";
import { setUpSearch } from "../../lib/search/setup.ts";
import { silentLogger } from "../support/handlers.ts";

test("search setup names every missing variable", () => {
  const error = (() => {
    try {
      setUpSearch("posts", {}, silentLogger);
    } catch (thrown) {
      return thrown;
    }
  })();

  assert.ok(error instanceof ConfigError);
  assert.deepEqual(error.problems, [
    "MEILISEARCH_HOST is missing",
    "DATABASE_URL is missing",
    "CONTENT_BUCKET is missing",
  ]);
});

test("search setup rejects malformed values", () => {
  const error = (() => {
    try {
      setUpSearch(
        "users",
        {
          MEILISEARCH_HOST: "127.0.0.1:7700",
          MEILISEARCH_USERS_INDEX: "users index",
          DATABASE_URL: "mysql://localhost/app",
          DATABASE_WS_PROXY: "ws://127.0.0.1:5433/v2",
        },
        silentLogger,
      );
    } catch (thrown) {
      return thrown;
    }
  })();

  assert.ok(error instanceof ConfigError);
  assert.equal(error.problems.length, 4);
  assert.match(error.problems[0] ?? "", /^MEILISEARCH_HOST must start/);
  assert.match(error.problems[1] ?? "", /^MEILISEARCH_USERS_INDEX must be/);
  assert.match(error.problems[2] ?? "", /^DATABASE_URL must start/);
  assert.match(error.problems[3] ?? "", /^DATABASE_WS_PROXY must not include/);
});
