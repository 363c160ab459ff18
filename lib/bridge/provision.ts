import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { BridgeConfig } from "../config/bridge.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";
import { addressOf, type JobAddress } from "../jobs/naming.ts";
import type { BridgeEvents } from "./events.ts";
import { stepDownConsumerLeader, waitForLeader } from "./wait-for-leader.ts";

/** The start cannot go on without losing jobs; an operator must act. */
export class ProvisionError extends Error {
  override name = "ProvisionError";
}

export type ProvisionConfig = Pick<
  BridgeConfig,
  | "naming"
  | "jobTypes"
  | "ackWaitMs"
  | "maxDeliver"
  | "replicas"
  | "deadLetterMaxAgeMs"
>;

/**
 * Creates or updates every job stream, its durable pull consumer and the
 * dead-letter stream. Running it again with the same settings changes
 * nothing. A stream with another retention policy stops the start: turning
 * it into a work queue would mean deleting it, and its jobs with it.
 */
export async function provision(
  jsm: JetStreamManager,
  config: ProvisionConfig,
  events?: BridgeEvents,
): Promise<void> {
  for (const jobType of config.jobTypes) {
    await provisionJobType(jsm, jobType, config, events);
  }
  await explainReplicaRejection(
    `dead-letter stream "${config.naming.deadLetterStream}"`,
    config.replicas,
    () => ensureDeadLetterStream(jsm, config, events),
  );
}

/**
 * `update` brings an existing stream and consumer to this config.
 * `create-missing` only creates what does not exist, so a bridge that
 * recovers from a pull failure does not undo settings, such as replicas,
 * that a newer bridge replica has just applied.
 */
export type ProvisionMode = "update" | "create-missing";

/** Creates or updates one job type's stream and consumer. */
export async function provisionJobType(
  jsm: JetStreamManager,
  jobType: JobTypeName,
  config: ProvisionConfig,
  events?: BridgeEvents,
  mode: ProvisionMode = "update",
): Promise<void> {
  const address = addressOf(jobType, config.naming);
  await explainReplicaRejection(
    `stream "${address.stream}"`,
    config.replicas,
    () => ensureJobStream(jsm, address, config, events, mode),
  );
  await explainReplicaRejection(
    `consumer "${address.consumer}" of stream "${address.stream}"`,
    config.replicas,
    () => ensureConsumer(jsm, address, config, events, mode),
  );
}

/**
 * Operator advice per JetStream API error code (nats-server 2.9) for a
 * rejected replica count.
 */
const replicaRejectionAdvice = new Map<number, string>([
  [
    10074,
    "This nats-server is not part of a JetStream cluster: set NATS_REPLICAS=1, or list the cluster's servers in NATS_URL.",
  ],
  [
    10005,
    "The cluster has fewer JetStream servers available than replicas requested: set NATS_REPLICAS to at most the number of servers, or start the missing ones.",
  ],
  [
    10023,
    "The cluster lacks the storage or servers for that many replicas: lower NATS_REPLICAS or add JetStream servers.",
  ],
  [
    10061,
    "This nats-server cannot change the replica count of an existing stream: keep NATS_REPLICAS at the stream's current count, or upgrade nats-server.",
  ],
  [
    10126,
    "A consumer cannot have more replicas than its stream: raise the stream's replicas first, or lower NATS_REPLICAS.",
  ],
]);

/**
 * Runs one provisioning step and, when the server rejects its replica
 * count, throws a ProvisionError naming the stream or consumer, the count
 * and the fix. The stream and its jobs stay as they were.
 */
async function explainReplicaRejection(
  target: string,
  replicas: number,
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (error) {
    const advice =
      error instanceof JetStreamApiError
        ? replicaRejectionAdvice.get(error.code)
        : undefined;
    if (advice === undefined) throw error;
    throw new ProvisionError(
      `nats-server rejected ${replicas} replica(s) for ${target}: ${error instanceof Error ? error.message : String(error)}. ${advice}`,
      { cause: error },
    );
  }
}

async function ensureJobStream(
  jsm: JetStreamManager,
  address: JobAddress,
  config: ProvisionConfig,
  events: BridgeEvents | undefined,
  mode: ProvisionMode,
): Promise<void> {
  const existing = await streamInfo(jsm, address.stream);

  if (existing === undefined) {
    await jsm.streams.add({
      name: address.stream,
      subjects: [address.subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: config.replicas,
    });
    events?.emit("provisioned", {
      kind: "stream",
      name: address.stream,
      action: "created",
    });
    return;
  }

  const { retention, subjects = [], num_replicas } = existing.config;
  if (retention !== RetentionPolicy.Workqueue) {
    throw new ProvisionError(
      `stream "${address.stream}" exists with retention "${retention}", but job streams need "workqueue". ` +
        "Recreating it would drop its messages, so the bridge does not. " +
        "Drain or back up the stream, delete it, and start the bridge again.",
    );
  }

  const needsSubject = !subjects.includes(address.subject);
  const needsReplicas = num_replicas !== config.replicas;
  if (mode === "create-missing") return;
  if (!needsSubject && !needsReplicas) return;

  await jsm.streams.update(address.stream, {
    ...existing.config,
    subjects: needsSubject ? [...subjects, address.subject] : subjects,
    num_replicas: config.replicas,
  });
  if (needsReplicas) {
    // Both Raft groups move to new peers; the consumer step below and the
    // first pulls need their leaders back.
    await waitForLeader(`stream "${address.stream}"`, () =>
      jsm.streams.info(address.stream),
    );
    await waitForLeader(`consumer "${address.consumer}"`, () =>
      jsm.consumers.info(address.stream, address.consumer),
    );
  }
  events?.emit("provisioned", {
    kind: "stream",
    name: address.stream,
    action: "updated",
  });
}

/** The consumer settings the bridge relies on; see `consumerNeedsUpdate`. */
function desiredConsumer(
  address: JobAddress,
  config: ProvisionConfig,
): Partial<ConsumerConfig> {
  return {
    durable_name: address.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(config.ackWaitMs),
    max_deliver: config.maxDeliver,
    // No backoff list: the server would use its first entry in place of
    // ack_wait, redelivering any job that runs longer than that entry.
    backoff: [],
    num_replicas: config.replicas,
  };
}

async function ensureConsumer(
  jsm: JetStreamManager,
  address: JobAddress,
  config: ProvisionConfig,
  events: BridgeEvents | undefined,
  mode: ProvisionMode,
): Promise<void> {
  const desired = desiredConsumer(address, config);
  const existing = await consumerInfo(jsm, address.stream, address.consumer);

  if (existing === undefined) {
    await addConsumer(jsm, address.stream, desired);
    events?.emit("provisioned", {
      kind: "consumer",
      name: address.consumer,
      action: "created",
    });
    return;
  }

  if (mode === "create-missing") return;
  if (!consumerNeedsUpdate(existing, desired)) return;

  // A push consumer cannot become a pull consumer by update. Deleting and
  // recreating it is safe on a work-queue stream: unacknowledged messages
  // stay in the stream and the new consumer delivers them again.
  if (existing.config.deliver_subject !== undefined) {
    await jsm.consumers.delete(address.stream, address.consumer);
    await addConsumer(jsm, address.stream, desired);
    events?.emit("provisioned", {
      kind: "consumer",
      name: address.consumer,
      action: "recreated",
    });
    return;
  }

  // A pull consumer is updated in place, which keeps its pending
  // deliveries. nats-server 2.9.10 accepts clearing the backoff list of
  // the Rust worker's consumers this way.
  const {
    durable_name: _durable,
    deliver_policy: _deliver,
    ...updatable
  } = desired;
  await jsm.consumers.update(address.stream, address.consumer, updatable);
  await waitForLeader(`consumer "${address.consumer}"`, () =>
    jsm.consumers.info(address.stream, address.consumer),
  );
  const replicasChanged =
    (existing.config.num_replicas ?? 0) !== (desired.num_replicas ?? 0);
  if (replicasChanged && config.replicas > 1) {
    // After a replica change, nats-server 2.9.10 keeps acked jobs in the
    // work-queue stream until the consumer leader changes, so the stream
    // never drains ("replica changes under load" fails without this). A
    // step-down makes acks remove them again.
    await stepDownConsumerLeader(jsm, address.stream, address.consumer);
  }
  events?.emit("provisioned", {
    kind: "consumer",
    name: address.consumer,
    action: "updated",
  });
}

function consumerNeedsUpdate(
  existing: ConsumerInfo,
  desired: Partial<ConsumerConfig>,
): boolean {
  const current = existing.config;
  return (
    current.deliver_subject !== undefined ||
    current.ack_policy !== desired.ack_policy ||
    current.ack_wait !== desired.ack_wait ||
    current.max_deliver !== desired.max_deliver ||
    (current.backoff ?? []).length > 0 ||
    (current.num_replicas ?? 0) !== (desired.num_replicas ?? 0)
  );
}

async function addConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig>,
): Promise<void> {
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    // Another replica created it between our lookup and add.
    const created = await consumerInfo(jsm, stream, config.durable_name ?? "");
    if (created === undefined) throw error;
  }
}

export async function ensureDeadLetterStream(
  jsm: JetStreamManager,
  config: ProvisionConfig,
  events?: BridgeEvents,
): Promise<void> {
  const { deadLetterStream, deadLetterSubjectPrefix } = config.naming;
  const desired = {
    name: deadLetterStream,
    subjects: [`${deadLetterSubjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(config.deadLetterMaxAgeMs),
    num_replicas: config.replicas,
  };

  const existing = await streamInfo(jsm, deadLetterStream);
  if (existing === undefined) {
    await jsm.streams.add(desired);
    events?.emit("provisioned", {
      kind: "stream",
      name: deadLetterStream,
      action: "created",
    });
    return;
  }

  const current = existing.config;
  const same =
    current.max_age === desired.max_age &&
    current.num_replicas === desired.num_replicas &&
    desired.subjects.every((subject) => current.subjects?.includes(subject));
  if (same) return;

  await jsm.streams.update(deadLetterStream, { ...current, ...desired });
  await waitForLeader(`stream "${deadLetterStream}"`, () =>
    jsm.streams.info(deadLetterStream),
  );
  events?.emit("provisioned", {
    kind: "stream",
    name: deadLetterStream,
    action: "updated",
  });
}

async function streamInfo(
  jsm: JetStreamManager,
  name: string,
): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw error;
  }
}

async function consumerInfo(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
    throw error;
  }
}

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}
