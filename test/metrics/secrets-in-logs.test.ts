import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { addressOf } from "../../lib/jobs/naming.ts";
import { NatsServer } from "../../lib/local/nats-server.ts";
import { LocalS3 } from "../../lib/local/s3-server.ts";
import { createLogger } from "../../lib/log.ts";
import { eventually } from "../support/events.ts";
import { uniqueNaming } from "../support/nats.ts";

const bridgePath = fileURLToPath(
  new URL("../../bin/bridge.ts", import.meta.url),
);

// Every value a deployment treats as secret, each unlike any other text.
const secrets = {
  NATS_PASSWORD: "nats-password-7f3a9c",
  NATS_TOKEN: "nats-token-4be81d",
  STORAGE_SECRET_ACCESS_KEY: "storage-secret-c0ffee42",
  UPSTASH_REDIS_REST_TOKEN: "upstash-token-91d2aa",
  MEILISEARCH_API_KEY: "meili-key-5e6f70",
};
const databasePassword = "db-password-0a1b2c";

function capture(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

test("bridge run logs no configured secret", async () => {
  const folder = await mkdtemp(join(tmpdir(), "axumkit-secrets-"));
  const nats = await NatsServer.start({
    storeDir: join(folder, "nats"),
    extraArgs: ["--user", "bridge", "--pass", secrets.NATS_PASSWORD],
  });
  const s3 = await LocalS3.start({
    directory: join(folder, "s3"),
    buckets: ["content"],
  });
  const naming = uniqueNaming();
  const env = {
    PATH: process.env.PATH,
    ...secrets,
    NATS_URL: nats.url,
    NATS_USER: "bridge",
    JOB_SUBJECT_PREFIX: naming.subjectPrefix,
    JOB_STREAM_PREFIX: naming.streamPrefix,
    DLQ_STREAM: naming.deadLetterStream,
    DLQ_SUBJECT_PREFIX: naming.deadLetterSubjectPrefix,
    BRIDGE_JOB_TYPES: "delete-content",
    MAX_DELIVER: "2",
    RETRY_BASE_DELAY_MS: "10",
    LOG_LEVEL: "trace",
    HEALTH_PORT: "0",
    HEALTH_HOST: "127.0.0.1",
    POWERTOOLS_METRICS_DISABLED: "false",
    STORAGE_ENDPOINT: s3.endpoint,
    STORAGE_FORCE_PATH_STYLE: "true",
    STORAGE_ACCESS_KEY_ID: "S3RVER",
    CONTENT_BUCKET: "content",
    DATABASE_URL: `postgres://app:${databasePassword}@127.0.0.1:5432/app`,
  };

  const bridge = spawn(process.execPath, [bridgePath], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  bridge.stdout.setEncoding("utf8").on("data", (text: string) => {
    logs += text;
  });
  bridge.stderr.setEncoding("utf8").on("data", (text: string) => {
    logs += text;
  });
  const exited = new Promise<number | null>((resolve) =>
    bridge.once("close", resolve),
  );
  const connection = await connect({
    servers: nats.url,
    user: "bridge",
    pass: secrets.NATS_PASSWORD,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  after(async () => {
    if (bridge.exitCode === null) bridge.kill("SIGKILL");
    await connection.close();
    await s3.stop();
    await nats.stop();
    await rm(folder, { recursive: true, force: true });
  });
  const logged = (pattern: RegExp) =>
    eventually(() => pattern.test(logs), 30_000);

  // A job that succeeds, one the function rejects, one with a bad payload.
  await logged(/"msg":"bridge started"/);
  const js = jetstream(connection);
  const subject = addressOf("delete-content", naming).subject;
  await js.publish(subject, JSON.stringify({ storage_keys: ["posts/a.zst"] }));
  await js.publish(
    subject,
    JSON.stringify({ storage_keys: ["../etc/passwd"] }),
  );
  await js.publish(subject, JSON.stringify({ storage_keys: "posts/b.zst" }));
  await logged(/"msg":"job succeeded"/);
  await eventually(
    () => (logs.match(/"msg":"job dead-lettered"/g) ?? []).length === 2,
    30_000,
  );

  // A NATS restart: disconnect and reconnect lines, then a clean stop.
  await nats.stop();
  await nats.restart();
  await logged(/"status":"reconnect"/);
  bridge.kill("SIGTERM");
  assert.equal(await exited, 0);

  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!logs.includes(value), `${name} appears in the logs`);
  }
  assert.ok(
    !logs.includes(databasePassword),
    "the database password appears in the logs",
  );

  // Every JSON line carries the fixed keys; job lines name the job.
  const lines = logs
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes('"msg"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(lines.length > 5);
  for (const line of lines) {
    assert.equal(typeof line.level, "string");
    assert.equal(typeof line.time, "string");
    assert.equal(typeof line.service, "string");
  }
  const outcomes = lines.filter((line) => String(line.msg).startsWith("job "));
  assert.equal(outcomes.length, 3);
  for (const line of outcomes) {
    assert.equal(line.jobType, "delete-content");
    assert.equal(typeof line.sequence, "number");
    assert.equal(line.deliveryCount, 1);
  }
});

test("logger masks a secret value inside an error", () => {
  const output = capture();
  const logger = createLogger("test", {
    destination: output.stream,
    secretsFrom: {
      NATS_PASSWORD: 'pa"ss-9d8c',
      REDIS_URL: "redis://default:url-secret-77@127.0.0.1:6379",
      STORAGE_ACCESS_KEY_ID: "AKIAPUBLIC",
    },
  });

  logger.error(
    {
      err: new Error('login failed for pa"ss-9d8c'),
      url: "redis://default:url-secret-77@127.0.0.1:6379",
    },
    "connect failed",
  );
  const line = output.text();
  assert.ok(!line.includes("9d8c"), "password inside an error message");
  assert.ok(!line.includes("url-secret-77"), "password inside a URL");
  assert.match(line, /login failed for \[redacted\]/);
  assert.match(line, /redis:\/\/default:\[redacted\]@127\.0\.0\.1:6379/);

  logger.info({ keyId: "AKIAPUBLIC" }, "key id is not a secret");
  assert.match(output.text(), /AKIAPUBLIC/);
});
