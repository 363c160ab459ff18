import { nanos } from "@nats-io/nats-core";
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  type StreamInfo,
  StorageType,
} from "@nats-io/jetstream";
import type { BridgeConfig } from "../config/bridge.ts";
import type { JobTypeName } from "../jobs/catalogue.ts";
import { addressOf, type JobAddress } from "../jobs/naming.ts";
import type { BridgeEvents } from "./events.ts";

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
  await ensureDeadLetterStream(jsm, config, events);
}

/** Creates or updates one job type's stream and consumer. */
export async function provisionJobType(
  jsm: JetStreamManager,
  jobType: JobTypeName,
  config: ProvisionConfig,
  events?: BridgeEvents,
): Promise<void> {
  const address = addressOf(jobType, config.naming);
  await ensureJobStream(jsm, address, config, events);
  await ensureConsumer(jsm, address, config, events);
}

async function ensureJobStream(
  jsm: JetStreamManager,
  address: JobAddress,
  config: ProvisionConfig,
  events?: BridgeEvents,
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
  if (!needsSubject && !needsReplicas) return;

  await jsm.streams.update(address.stream, {
    ...existing.config,
    subjects: needsSubject ? [...subjects, address.subject] : subjects,
    num_replicas: config.replicas,
  });
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
  events?: BridgeEvents,
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

async function ensureDeadLetterStream(
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
