import {
  createInbox,
  type Msg,
  type NatsConnection,
  type QueuedIterator,
  type Status,
  type Subscription,
} from "@nats-io/nats-core";

/**
 * The result of one ack. Only "confirmed" means the consumer leader
 * applied it. "no-responders" means nothing subscribed to the ack subject,
 * as while the consumer elects a leader. The others mean no reply came:
 * in time, before a reconnect, before the reply subscription closed, or
 * because the confirmer or its connection is closed.
 */
export type AckOutcome =
  | "confirmed"
  | "no-responders"
  | "timed-out"
  | "reconnected"
  | "unsubscribed"
  | "closed";

export interface AckConfirmerOptions {
  /** How long one ack waits for its confirmation [2 s]. */
  timeoutMs?: number;
}

type ResolveAck = (outcome: AckOutcome) => void;

/** The ack payload JetStream expects on a message's reply subject. */
const ackPayload = new TextEncoder().encode("+ACK");
/** How often pending acks are checked for their timeout. */
const sweepIntervalMs = 250;

/**
 * Sends JetStream acks that the server confirms, over one connection.
 *
 * An ack published with a reply subject is an "ack sync": the consumer
 * leader replies once it has applied the ack, and that reply is the only
 * confirmation JetStream gives. nats.js 3.4's `ackAck` makes a request per
 * message, each with its own timer, promise chain and error objects, and
 * with it the bridge ran at under half the rate of a consume loop with
 * plain acks (test/bench/bridge.bench.ts). This class makes one wildcard
 * subscription `<inbox>.*` instead, publishes each ack with the reply
 * `<inbox>.<token>`, and matches replies to acks by token. One interval
 * timer times out the acks that got no reply.
 */
export class AckConfirmer {
  readonly #connection: NatsConnection;
  readonly #sweepIntervalMs: number;
  /** `<inbox>.`, the reply subject without its token. */
  readonly #prefix: string;
  /**
   * Acks waiting for their reply, by token. Tokens grow, so insertion
   * order is the order in which the acks were sent.
   */
  readonly #pending = new Map<number, ResolveAck>();
  #nextToken = 1;
  /**
   * The next token at each of the last sweeps, oldest first. An ack whose
   * token is below the oldest was sent at least the timeout ago. Keeping
   * these marks spares each ack a deadline of its own.
   */
  readonly #sweepMarks: number[];
  #subscription: Subscription | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #statuses: QueuedIterator<Status> | undefined;
  #closed = false;

  constructor(connection: NatsConnection, options: AckConfirmerOptions = {}) {
    this.#connection = connection;
    const timeoutMs = options.timeoutMs ?? 2_000;
    this.#sweepIntervalMs = Math.min(sweepIntervalMs, timeoutMs);
    const sweeps = Math.ceil(timeoutMs / this.#sweepIntervalMs);
    this.#sweepMarks = new Array<number>(sweeps).fill(this.#nextToken);
    this.#prefix = `${createInbox()}.`;
  }

  /**
   * Subscribes to the replies and starts the timeout sweep. `send` calls
   * it when needed.
   */
  start(): void {
    if (this.#sweep !== undefined || this.#closed) return;
    this.#subscribe();
    this.#sweep = setInterval(() => this.#tick(), this.#sweepIntervalMs);
    this.#sweep.unref();
    void this.#watchReconnects();
  }

  /** Whether acks can no longer be sent: closed, or its connection is. */
  get closed(): boolean {
    return this.#closed || this.#connection.isClosed();
  }

  /** Acks waiting for their confirmation. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Publishes `+ACK` to a JetStream message's reply subject and resolves
   * with how it ended. It never rejects.
   */
  send(ackSubject: string): Promise<AckOutcome> {
    if (this.closed) return Promise.resolve("closed");
    if (this.#sweep === undefined) this.start();

    const token = this.#nextToken++;
    const promise = new Promise<AckOutcome>((resolve) => {
      this.#pending.set(token, resolve);
    });
    try {
      this.#connection.publish(ackSubject, ackPayload, {
        reply: this.#prefix + token,
      });
    } catch {
      // publish throws on a closed or draining connection, or on an
      // invalid subject. Either way nothing was sent.
      this.#settle(token, "closed");
    }
    return promise;
  }

  /**
   * Unsubscribes and stops the sweep. Acks still waiting resolve as
   * "closed".
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#statuses?.stop();
    this.#subscription?.unsubscribe();
    this.#settleAll("closed");
  }

  #subscribe(): void {
    const subscription = this.#connection.subscribe(`${this.#prefix}*`, {
      callback: (error, message) => this.#receive(error, message),
    });
    this.#subscription = subscription;
    void subscription.closed.then(() =>
      this.#onSubscriptionClosed(subscription),
    );
  }

  /**
   * Handles a subscription that closed while the confirmer is open, for
   * example after a permission error. Replies to acks sent before are
   * lost, so those acks resolve as "unsubscribed" to be sent again, and
   * the next sweep subscribes again. Waiting for the sweep keeps a
   * subscription the server rejects from being retried in a tight loop.
   * NOTE: no test closes the subscription while the connection is open.
   */
  #onSubscriptionClosed(closedSubscription: Subscription): void {
    if (this.#subscription !== closedSubscription) return;
    if (this.closed) {
      this.close();
      return;
    }
    this.#subscription = undefined;
    this.#settleAll("unsubscribed");
  }

  #tick(): void {
    if (this.#subscription === undefined && !this.closed) this.#subscribe();
    this.#expire();
  }

  #receive(error: Error | null, message: Msg): void {
    // An error here closes the subscription: #onSubscriptionClosed runs.
    if (error !== null) return;

    const token = this.#tokenOf(message.subject);
    const resolve = this.#pending.get(token);
    if (resolve === undefined) return;
    this.#pending.delete(token);
    // With no consumer leader, nothing subscribes to the ack subject, so
    // the server replies with an empty 503 (no responders) status message.
    const noResponders =
      message.data.length === 0 && message.headers?.code === 503;
    resolve(noResponders ? "no-responders" : "confirmed");
  }

  /** Parses the decimal token after the prefix without a substring. */
  #tokenOf(subject: string): number {
    let token = 0;
    for (let index = this.#prefix.length; index < subject.length; index++) {
      const digit = subject.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) return -1;
      token = token * 10 + digit;
    }
    return token;
  }

  /**
   * Times out the acks sent before the oldest mark, between the timeout
   * and one sweep interval more ago, and records the newest mark.
   */
  #expire(): void {
    const expiredBelow = this.#sweepMarks.shift() as number;
    this.#sweepMarks.push(this.#nextToken);
    for (const [token, resolve] of this.#pending) {
      if (token >= expiredBelow) return;
      this.#pending.delete(token);
      resolve("timed-out");
    }
  }

  /**
   * nats.js subscribes again after a reconnect, but replies to acks sent
   * before it may be lost, so those acks resolve as "reconnected" to be
   * sent again rather than wait for their timeout.
   */
  async #watchReconnects(): Promise<void> {
    // nats.js 3.4 returns a QueuedIterator, although the type declares
    // AsyncIterable; its stop() ends the loop when the confirmer closes.
    const statuses = this.#connection.status() as QueuedIterator<Status>;
    this.#statuses = statuses;
    for await (const status of statuses) {
      if (status.type === "reconnect") this.#settleAll("reconnected");
    }
  }

  #settle(token: number, outcome: AckOutcome): void {
    const resolve = this.#pending.get(token);
    if (resolve === undefined) return;
    this.#pending.delete(token);
    resolve(outcome);
  }

  #settleAll(outcome: AckOutcome): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const resolve of all) resolve(outcome);
  }
}
