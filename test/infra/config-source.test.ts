import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createHandler } from "../../functions/delete-content.ts";
import type { EnvSource } from "../../lib/config/env-reader.ts";
import { EnvReader } from "../../lib/config/env-reader.ts";
import { configSource } from "../../lib/config/source.ts";
import type { JobResult } from "../../lib/contract.ts";
import { ConfigError } from "../../lib/errors.ts";
import { LocalS3, localS3Credentials } from "../../lib/local/s3-server.ts";

// The same delete-content job runs twice against s3rver: once configured
// through plain variables, as in a local run, and once through the
// SST_RESOURCE_* variables that SST sets for linked resources. Both runs
// must delete and reject the same keys.

const bucket = "config-source-content";
const seededKeys = ["posts/a.zst", "posts/b.zst", "avatars/c.png"];
const deleteJob = { storage_keys: ["posts/a.zst", "avatars/c.png"] };

let s3Server: LocalS3;
let s3: S3Client;
let directory: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), "config-source-"));
  s3Server = await LocalS3.start({ directory, buckets: [bucket] });
  s3 = new S3Client({
    endpoint: s3Server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: localS3Credentials,
  });
});

after(async () => {
  s3.destroy();
  await s3Server.stop();
  await rm(directory, { recursive: true, force: true });
});

function plainEnvironment(): Record<string, string> {
  return {
    CONTENT_BUCKET: bucket,
    CONTENT_ALLOWED_PREFIXES: "posts/",
    STORAGE_ENDPOINT: s3Server.endpoint,
    STORAGE_REGION: "us-east-1",
    STORAGE_FORCE_PATH_STYLE: "true",
    STORAGE_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
  };
}

/** Builds the same settings the way SST delivers them: a linkable and two secrets. */
function linkedEnvironment(): Record<string, string> {
  return {
    SST_RESOURCE_App: JSON.stringify({ name: "axumkit-worker", stage: "test" }),
    SST_RESOURCE_ContentBucketDelete: JSON.stringify({
      CONTENT_BUCKET: bucket,
      CONTENT_ALLOWED_PREFIXES: ["posts/"],
      STORAGE_ENDPOINT: s3Server.endpoint,
      STORAGE_REGION: "us-east-1",
      STORAGE_FORCE_PATH_STYLE: true,
    }),
    SST_RESOURCE_StorageAccessKeyId: JSON.stringify({
      value: localS3Credentials.accessKeyId,
    }),
    SST_RESOURCE_StorageSecretAccessKey: JSON.stringify({
      value: localS3Credentials.secretAccessKey,
    }),
  };
}

function deleteEvent() {
  return {
    records: [
      {
        id: "axumkit_jobs_delete_content:7",
        subject: "axumkit.jobs.storage.delete_content",
        deliveryCount: 1,
        publishedAt: "2026-01-05T10:00:00.000Z",
        job: deleteJob,
      },
    ],
  };
}

async function seedBucket(): Promise<void> {
  for (const key of seededKeys) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: "content" }),
    );
  }
}

async function bucketKeys(): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listing.Contents ?? []).map((object) => object.Key ?? "").sort();
}

/** Runs the module's own `handler` in a child process with `environment`. */
function runHandlerProcess(
  environment: Record<string, string>,
): Promise<JobResult> {
  const script = [
    'import { handler } from "./functions/delete-content.ts";',
    "const event = JSON.parse(process.argv[1]);",
    "process.stdout.write(JSON.stringify(await handler(event)));",
  ].join("\n");
  const child = spawn(
    process.execPath,
    ["--input-type=module", "--eval", script, JSON.stringify(deleteEvent())],
    {
      cwd: join(import.meta.dirname, "../.."),
      env: {
        PATH: process.env.PATH ?? "",
        LOG_LEVEL: "silent",
        ...environment,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );

  let output = "";
  let errors = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    errors += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(output) as JobResult);
      else reject(new Error(`handler process exited ${code}: ${errors}`));
    });
  });
}

test("linkable properties become variables", () => {
  const source = configSource({
    KEPT: "yes",
    CONTENT_BUCKET: "local-name",
    SST_RESOURCE_ContentBucketRead: JSON.stringify({
      CONTENT_BUCKET: "deployed-name",
      CONTENT_ALLOWED_PREFIXES: ["posts/", "drafts/"],
      STORAGE_FORCE_PATH_STYLE: false,
      name: "not a variable name",
    }),
  });

  assert.equal(source.KEPT, "yes");
  assert.equal(source.CONTENT_BUCKET, "deployed-name");
  assert.equal(source.CONTENT_ALLOWED_PREFIXES, "posts/,drafts/");
  assert.equal(source.STORAGE_FORCE_PATH_STYLE, "false");
  assert.equal(source.name, undefined);
});

test("linked secrets become their variables", () => {
  const source = configSource({
    SST_RESOURCE_DatabaseUrl: JSON.stringify({
      value: "postgres://user:pw@db.example/app",
    }),
    SST_RESOURCE_UnlistedSecret: JSON.stringify({ value: "ignored" }),
  });

  assert.equal(source.DATABASE_URL, "postgres://user:pw@db.example/app");
  assert.equal(
    Object.values(source).includes("ignored"),
    false,
    "a secret missing from secretVariables sets no variable",
  );
});

test("environment without links is unchanged", () => {
  const environment = { CONTENT_BUCKET: "local" };
  assert.equal(configSource(environment), environment);
});

test("malformed resource variable is a config problem", () => {
  const env = new EnvReader({
    SST_RESOURCE_ContentBucketRead: "{not json",
  });
  env.required("CONTENT_BUCKET");

  assert.throws(
    () => env.assertValid(),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SST_RESOURCE_ContentBucketRead/);
      assert.match(error.message, /CONTENT_BUCKET is missing/);
      return true;
    },
  );
});

test("delete-content behaves alike with plain and linked config", async () => {
  const outcomes: { result: JobResult; keys: string[] }[] = [];

  for (const environment of [plainEnvironment(), linkedEnvironment()]) {
    await seedBucket();
    const handler = createHandler(environment as EnvSource);
    const result = await handler(deleteEvent());
    outcomes.push({ result, keys: await bucketKeys() });
  }

  const [plain, linked] = outcomes;
  assert.deepEqual(plain?.keys, ["avatars/c.png", "posts/b.zst"]);
  assert.equal(plain?.result.failures.length, 1);
  assert.equal(plain?.result.failures[0]?.retryable, false);
  assert.match(plain?.result.failures[0]?.reason ?? "", /avatars\/c\.png/);
  assert.deepEqual(linked, plain);
});

test("deployed handler reads links through sst Resource", async () => {
  await seedBucket();

  const result = await runHandlerProcess(linkedEnvironment());

  assert.deepEqual(await bucketKeys(), ["avatars/c.png", "posts/b.zst"]);
  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]?.retryable, false);
  assert.match(result.failures[0]?.reason ?? "", /avatars\/c\.png/);
});
