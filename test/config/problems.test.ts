import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EnvReader } from "../../lib/config/env-reader.ts";
import { readObjectStoreConfig } from "../../lib/config/storage.ts";
import { ConfigError } from "../../lib/errors.ts";
import { runJobsInProcess } from "../cli/run-jobs.ts";

function storageProblems(source: Record<string, string>): readonly string[] {
  const env = new EnvReader(source);
  readObjectStoreConfig(env);
  try {
    env.assertValid();
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
}

describe("configuration problems", () => {
  test("names a variable once", () => {
    const env = new EnvReader({});
    env.required("DATABASE_URL");
    env.required("DATABASE_URL");
    assert.throws(
      () => env.assertValid(),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 1 &&
        error.problems[0] === "DATABASE_URL is missing",
    );
  });

  test("cron run lists each once", async () => {
    const run = await runJobsInProcess(["cron", "run", "cleanup"], {});
    assert.equal(run.code, 3, run.stderr);
    for (const name of [
      "DATABASE_URL",
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
    ]) {
      const mentions = run.stderr.split(`${name} is missing`).length - 1;
      assert.equal(mentions, 1, `${name} in:\n${run.stderr}`);
    }
    assert.match(run.stderr, /npm run dev/);
  });

  test("endpoint without keys rejected", () => {
    const problems = storageProblems({
      STORAGE_ENDPOINT: "http://127.0.0.1:9000",
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /STORAGE_ACCESS_KEY_ID/);
    assert.match(problems[0] ?? "", /STORAGE_SECRET_ACCESS_KEY/);
  });

  test("AWS S3 keeps credential chain", () => {
    assert.deepEqual(storageProblems({}), []);
  });

  test("endpoint with keys accepted", () => {
    const problems = storageProblems({
      STORAGE_ENDPOINT: "http://127.0.0.1:9000",
      STORAGE_ACCESS_KEY_ID: "S3RVER",
      STORAGE_SECRET_ACCESS_KEY: "S3RVER",
    });
    assert.deepEqual(problems, []);
  });
});
