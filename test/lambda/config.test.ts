import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../lib/errors.ts";
import { createInvoker } from "../../lib/invoke/create-invoker.ts";
import { LambdaInvoker } from "../../lib/invoke/lambda.ts";
import {
  invokeTimeoutMs,
  readLambdaConfig,
} from "../../lib/invoke/lambda-config.ts";

test("lambda config names every missing setting at once", () => {
  assert.throws(
    () => readLambdaConfig({}, ["email", "index-post"]),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        "LAMBDA_FUNCTION_EMAIL, LAMBDA_FUNCTION_INDEX_POST are missing; set each, or LAMBDA_FUNCTION_PREFIX",
        "LAMBDA_REGION (or AWS_REGION) is missing",
      ]);
      return true;
    },
  );
});

test("lambda config takes per-job names over the prefix", () => {
  const config = readLambdaConfig({
    AWS_REGION: "eu-west-1",
    LAMBDA_FUNCTION_PREFIX: "prod-",
    LAMBDA_FUNCTION_INDEX_POST: "arn:aws:lambda:eu-west-1:1:function:ip",
  });

  assert.equal(config.region, "eu-west-1");
  assert.equal(config.functionNames.email, "prod-email");
  assert.equal(
    config.functionNames["index-post"],
    "arn:aws:lambda:eu-west-1:1:function:ip",
  );
  assert.equal(config.functionNames["delete-content"], "prod-delete-content");
  assert.equal(config.credentials, undefined);
});

test("lambda config rejects half a key pair", () => {
  assert.throws(
    () =>
      readLambdaConfig({
        LAMBDA_FUNCTION_PREFIX: "x-",
        LAMBDA_ENDPOINT: "http://127.0.0.1:1",
        LAMBDA_ACCESS_KEY_ID: "local",
      }),
    /LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY must be set together/,
  );
});

test("invoke timeout exceeds the function timeout", () => {
  // The catalogue gives index-post a 20 s function timeout.
  assert.equal(
    invokeTimeoutMs("index-post", { invokeTimeoutMarginMs: 5_000 }),
    25_000,
  );
});

test("create invoker builds the lambda invoker", async () => {
  const invoker = await createInvoker("lambda", {
    LAMBDA_FUNCTION_PREFIX: "x-",
    LAMBDA_ENDPOINT: "http://127.0.0.1:1",
  });
  assert.ok(invoker instanceof LambdaInvoker);
  await invoker.close();

  await assert.rejects(
    createInvoker("lambda", { AWS_REGION: "us-east-1" }, ["email"]),
    /LAMBDA_FUNCTION_EMAIL is missing/,
  );
});
