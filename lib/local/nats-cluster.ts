import { join } from "node:path";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "./free-port.ts";
import { NatsServer } from "./nats-server.ts";

export interface NatsClusterOptions {
  /** Parent folder; each node keeps its JetStream store in `<dir>/<name>`. */
  storeDir: string;
  /** Number of nodes [3]. */
  size?: number;
  /** The `cluster.name` every node joins [axumkit]. */
  clusterName?: string;
}

/** One nats-server of the cluster, with the ports it listens on. */
export interface ClusterNode {
  /** The `server_name`, which JetStream reports as a stream's leader. */
  name: string;
  server: NatsServer;
  clusterPort: number;
  monitorPort: number;
}

/**
 * A JetStream cluster of nats-server child processes on loopback: random
 * client, route and monitoring ports, routes from every node to every other,
 * one store folder per node. Any node can be stopped, killed and restarted
 * on the same ports with the same store.
 */
export class NatsCluster {
  readonly nodes: readonly ClusterNode[];
  readonly clusterName: string;

  private constructor(nodes: ClusterNode[], clusterName: string) {
    this.nodes = nodes;
    this.clusterName = clusterName;
  }

  /** Starts every node and resolves once JetStream has a meta leader. */
  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const clusterName = options.clusterName ?? "axumkit";
    const ports = [];
    for (let i = 0; i < size; i++) {
      ports.push({
        client: await freePort(),
        cluster: await freePort(),
        monitor: await freePort(),
      });
    }
    const routes = ports
      .map((port) => `nats-route://127.0.0.1:${port.cluster}`)
      .join(",");

    // All nodes start at once: JetStream elects its meta leader only after
    // a quorum of them has met.
    const starts = ports.map(async (port, index) => {
      const name = `n${index + 1}`;
      const server = await NatsServer.start({
        storeDir: join(options.storeDir, name),
        port: port.client,
        extraArgs: [
          "--name",
          name,
          "--cluster_name",
          clusterName,
          "--cluster",
          `nats://127.0.0.1:${port.cluster}`,
          "--routes",
          routes,
          "-m",
          String(port.monitor),
        ],
      });
      return {
        name,
        server,
        clusterPort: port.cluster,
        monitorPort: port.monitor,
      };
    });

    const settled = await Promise.allSettled(starts);
    const nodes = settled.flatMap((result) =>
      result.status === "fulfilled" ? [result.value] : [],
    );
    const cluster = new NatsCluster(nodes, clusterName);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed !== undefined) {
      await cluster.stop();
      throw failed.reason;
    }

    await cluster.waitUntilHealthy();
    return cluster;
  }

  /** Client URLs of every node, for `NATS_URL` or a client's server list. */
  get urls(): string[] {
    return this.nodes.map((node) => node.server.url);
  }

  /** The node with this `server_name`; throws when there is none. */
  node(name: string): ClusterNode {
    const found = this.nodes.find((node) => node.name === name);
    if (found === undefined) {
      throw new Error(
        `cluster has no node named "${name}"; nodes: ${this.nodes.map((node) => node.name).join(", ")}`,
      );
    }
    return found;
  }

  /**
   * Waits until every running node reports itself healthy: JetStream
   * enabled, the meta leader known, and its replicas of streams and
   * consumers caught up. Throws after the timeout naming the nodes that
   * were not.
   */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.nodes.filter((node) => node.server.running);
      const health = await Promise.all(running.map(isNodeHealthy));
      const unhealthy = running.filter((_node, index) => !health[index]);
      if (unhealthy.length === 0 && (await this.#hasMetaLeader())) return;

      if (Date.now() > deadline) {
        const names = unhealthy.map((node) => node.name).join(", ");
        throw new Error(
          `JetStream cluster not healthy after ${timeoutMs} ms; unhealthy nodes: ${names || "none, but no meta leader"}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The node leading the stream's Raft group, from `cluster.leader` of its
   * stream info. Waits while an election runs, up to the timeout.
   */
  streamLeader(
    jsm: JetStreamManager,
    stream: string,
    timeoutMs = 10_000,
  ): Promise<ClusterNode> {
    return this.#waitForLeader(
      `stream "${stream}"`,
      async () => (await jsm.streams.info(stream)).cluster?.leader,
      timeoutMs,
    );
  }

  /** The node leading the consumer's Raft group, as `streamLeader`. */
  consumerLeader(
    jsm: JetStreamManager,
    stream: string,
    consumer: string,
    timeoutMs = 10_000,
  ): Promise<ClusterNode> {
    return this.#waitForLeader(
      `consumer "${consumer}" of stream "${stream}"`,
      async () => (await jsm.consumers.info(stream, consumer)).cluster?.leader,
      timeoutMs,
    );
  }

  /** Stops every node gracefully. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.server.stop()));
  }

  async #waitForLeader(
    what: string,
    readLeader: () => Promise<string | undefined>,
    timeoutMs: number,
  ): Promise<ClusterNode> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const leader = await readLeader();
        if (leader) return this.node(leader);
      } catch (error) {
        // The info request fails while the group has no leader to answer.
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} had no leader within ${timeoutMs} ms`, {
      cause: lastError,
    });
  }

  async #hasMetaLeader(): Promise<boolean> {
    const connection = await connect({
      servers: this.urls,
      reconnect: false,
    }).catch(() => undefined);
    if (connection === undefined) return false;
    try {
      const jsm = await jetstreamManager(connection, { timeout: 2_000 });
      await jsm.getAccountInfo();
      return true;
    } catch {
      // No meta leader yet: the account request has no responder or times
      // out until the election ends.
      return false;
    } finally {
      await connection.close();
    }
  }
}

/**
 * Asks the node's monitoring endpoint `/healthz`, which in nats-server 2.9
 * returns 200 once JetStream is current on that node.
 */
async function isNodeHealthy(node: ClusterNode): Promise<boolean> {
  try {
    const response = await fetch(
      `http://127.0.0.1:${node.monitorPort}/healthz`,
      { signal: AbortSignal.timeout(2_000) },
    );
    await response.body?.cancel();
    return response.ok;
  } catch {
    // Not listening yet or restarting.
    return false;
  }
}
