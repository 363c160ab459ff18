import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

/** A stream or consumer found no leader in time after a replica change. */
export class LeaderElectionTimeoutError extends Error {
  override name = "LeaderElectionTimeoutError";
}

/** Stream or consumer info, as far as the leader matters. */
interface ClusteredInfo {
  cluster?: { leader?: string };
}

const pollIntervalMs = 100;

/**
 * Polls `readInfo` until the stream or consumer reports a leader. After a
 * replica change its Raft group elects one, and until then info requests
 * time out or return no leader (nats-server 2.9 takes about a second on
 * loopback). A consumer that does not exist, or a server outside a
 * cluster, leaves nothing to wait for.
 */
export async function waitForLeader(
  target: string,
  readInfo: () => Promise<ClusteredInfo>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;

  while (Date.now() < deadline) {
    try {
      const info = await readInfo();
      // A server outside a cluster reports no cluster and elects nothing.
      if (info.cluster === undefined || info.cluster.leader) return;
    } catch (error) {
      const notFound =
        error instanceof JetStreamApiError &&
        error.code === JetStreamApiCodes.ConsumerNotFound;
      if (notFound) return;
      // A timeout or "no responders" while the election runs.
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new LeaderElectionTimeoutError(
    `${target} had no leader ${timeoutMs} ms after its replicas changed; check that a majority of its replicas' servers are up`,
    { cause: lastError },
  );
}

/** Members of the nats.js 3.4 JetStream manager beyond its public type. */
interface ManagerInternals {
  getConnection?: () => NatsConnection;
  prefix?: string;
}

/**
 * Asks the consumer's leader to hand over to another replica and waits for
 * the new leader. nats.js 3.4 has no call for this JetStream API request,
 * so it is sent on the manager's own connection.
 */
export async function stepDownConsumerLeader(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
): Promise<void> {
  const internals = jsm as JetStreamManager & ManagerInternals;
  const connection = internals.getConnection?.();
  const prefix = internals.prefix ?? "$JS.API";
  if (connection === undefined) {
    throw new Error(
      "the JetStream manager exposes no connection to request a consumer leader step-down",
    );
  }

  // A follower that has not caught up would redeliver jobs already acked
  // once it leads, so the step-down waits up to 10 s for every replica to
  // be current. Past that it steps down anyway: redelivered jobs run
  // twice, but none is lost.
  await waitForCurrentReplicas(jsm, stream, consumer);
  const reply = await connection.request(
    `${prefix}.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}`,
    undefined,
    { timeout: 5_000 },
  );
  const body = reply.json<{
    success?: boolean;
    error?: { description?: string };
  }>();
  if (body.success !== true) {
    throw new Error(
      `consumer "${consumer}" of stream "${stream}" did not step down: ${body.error?.description ?? "no reason given"}`,
    );
  }
  await waitForLeader(`consumer "${consumer}"`, () =>
    jsm.consumers.info(stream, consumer),
  );
}

async function waitForCurrentReplicas(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await jsm.consumers
      .info(stream, consumer)
      .catch(() => undefined);
    const replicas = info?.cluster?.replicas ?? [];
    const allCurrent = replicas.every((replica) => replica.current);
    if (info?.cluster?.leader && allCurrent) return;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}
