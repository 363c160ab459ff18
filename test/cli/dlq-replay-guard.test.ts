import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { deadLetterHeaders } from "../../lib/dead-letter-headers.ts";
import { addressOf } from "../../lib/jobs/naming.ts";
import { connectTo, sharedNatsUrl, uniqueNaming } from "../support/nats.ts";
import { cliEnv, jsonOf, runJobs } from "./run-jobs.ts";

// Dead letters are written straight to the dead-letter stream, the way
// anyone allowed to publish on its subjects could, and replayed by the CLI.

const naming = uniqueNaming();
const env = cliEnv(sharedNatsUrl, naming);
const address = addressOf("index-post", naming);
let connection: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

interface ReplayOutput {
  replayed: number;
  duplicates: number;
  failures: { sequence: number; reason: string }[];
}

function indexPost(postId: string): string {
  return JSON.stringify({ post_id: postId, action: "Index" });
}

/** Deletes the dead-letter stream when it exists and creates it empty. */
async function recreateDeadLetterStream(): Promise<void> {
  await jsm.streams.delete(naming.deadLetterStream).catch(() => false);
  await jsm.streams.add({
    name: naming.deadLetterStream,
    subjects: [`${naming.deadLetterSubjectPrefix}.>`],
  });
}

async function putDeadLetter(
  jobType: string,
  originalSubject: string | undefined,
  payload: string,
): Promise<number> {
  const letterHeaders = headers();
  letterHeaders.set(deadLetterHeaders.jobType, jobType);
  if (originalSubject !== undefined) {
    letterHeaders.set(deadLetterHeaders.originalSubject, originalSubject);
  }
  letterHeaders.set(deadLetterHeaders.lastError, "failed for good");
  const ack = await js.publish(
    `${naming.deadLetterSubjectPrefix}.${jobType}`,
    payload,
    { headers: letterHeaders },
  );
  return ack.seq;
}

async function jobPayloads(): Promise<string[]> {
  const info = await jsm.streams.info(address.stream);
  const payloads: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const stored = await jsm.streams.getMessage(address.stream, { seq });
    if (stored !== null) payloads.push(stored.string());
  }
  return payloads;
}

async function deadLetterCount(): Promise<number> {
  return (await jsm.streams.info(naming.deadLetterStream)).state.messages;
}

before(async () => {
  connection = await connectTo(sharedNatsUrl);
  js = jetstream(connection);
  jsm = await jetstreamManager(connection);
  await jsm.streams.add({ name: address.stream, subjects: [address.subject] });
});

after(async () => {
  await jsm.streams.delete(address.stream).catch(() => false);
  await jsm.streams.delete(naming.deadLetterStream).catch(() => false);
  await connection.close();
});

test("replay leaves forged dead letters", async () => {
  await recreateDeadLetterStream();
  await jsm.streams.purge(address.stream);
  const validPostId = randomUUID();
  const apiSubject = await putDeadLetter(
    "index-post",
    `$JS.API.STREAM.DELETE.${address.stream}`,
    indexPost(randomUUID()),
  );
  const unknownType = await putDeadLetter(
    "no-such-job",
    undefined,
    indexPost(randomUUID()),
  );
  const invalid = await putDeadLetter(
    "index-post",
    address.subject,
    JSON.stringify({ post_id: "42", action: "Index" }),
  );
  await putDeadLetter("index-post", address.subject, indexPost(validPostId));

  const dryRun = await runJobs(["dlq", "replay", "--dry-run", "--json"], env);
  assert.equal(dryRun.code, 1, dryRun.stderr);
  assert.deepEqual(
    jsonOf<ReplayOutput>(dryRun).failures.map((item) => item.sequence),
    [apiSubject, unknownType, invalid],
  );
  assert.deepEqual(await jobPayloads(), []);

  const run = await runJobs(["dlq", "replay", "--json"], env);
  assert.equal(run.code, 1, run.stderr);
  const result = jsonOf<ReplayOutput>(run);
  assert.equal(result.replayed, 1);
  const reasons = new Map(
    result.failures.map((item) => [item.sequence, item.reason]),
  );
  assert.match(
    reasons.get(apiSubject) ?? "",
    /^original subject "\$JS\.API\.STREAM\.DELETE\.[^"]+" is not index-post's job subject/,
  );
  assert.match(
    reasons.get(unknownType) ?? "",
    /^unknown job type "no-such-job" in header Axumkit-Job-Type/,
  );
  assert.match(
    reasons.get(invalid) ?? "",
    /^invalid index-post payload \(post_id: must be a UUID string/,
  );
  assert.match(run.stderr, /dead letter 1 not replayed: original subject/);

  // The job stream still exists and contains only the valid job.
  assert.deepEqual(await jobPayloads(), [indexPost(validPostId)]);
  assert.equal(await deadLetterCount(), 3);

  const forced = await runJobs(
    ["dlq", "replay", String(invalid), "--force", "--json"],
    env,
  );
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(jsonOf<ReplayOutput>(forced).replayed, 1);
  assert.equal((await jobPayloads()).length, 2);
  assert.equal(await deadLetterCount(), 2);
});

test("replay after dead-letter stream recreated", async () => {
  await recreateDeadLetterStream();
  await jsm.streams.purge(address.stream);
  const firstPostId = randomUUID();
  const firstSequence = await putDeadLetter(
    "index-post",
    address.subject,
    indexPost(firstPostId),
  );
  const first = await runJobs(["dlq", "replay", "--json"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(jsonOf<ReplayOutput>(first).replayed, 1);

  // A new stream starts at sequence 1 again, inside the duplicate window.
  await recreateDeadLetterStream();
  const secondPostId = randomUUID();
  const secondSequence = await putDeadLetter(
    "index-post",
    address.subject,
    indexPost(secondPostId),
  );
  assert.equal(secondSequence, firstSequence);

  const second = await runJobs(["dlq", "replay", "--json"], env);
  assert.equal(second.code, 0, second.stderr);
  const result = jsonOf<ReplayOutput>(second);
  assert.equal(result.replayed, 1);
  assert.equal(result.duplicates, 0);
  assert.deepEqual(await jobPayloads(), [
    indexPost(firstPostId),
    indexPost(secondPostId),
  ]);
  assert.equal(await deadLetterCount(), 0);
});
