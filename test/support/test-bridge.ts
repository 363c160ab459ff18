import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  Bridge,
  type BridgeOptions,
  type JobTypeSettings,
} from "../../lib/bridge/bridge.ts";
import type { BridgeConfig } from "../../lib/config/bridge.ts";
import type { JobRecord } from "../../lib/contract.ts";
import type { RecordProcessor } from "../../lib/functions/job-handler.ts";
import type { JobTypeName } from "../../lib/jobs/catalogue.ts";
import { addressOf, type JobAddress } from "../../lib/jobs/naming.ts";
import { deleteStreams } from "./dead-letters.ts";
import { invokerFor, testHandler } from "./handlers.ts";
import { connectTo, sharedNatsUrl, testBridgeConfig } from "./nats.ts";

export interface TestBridgeOptions {
  jobType: JobTypeName;
  /** The function body; every call is recorded before it runs. */
  process: RecordProcessor<unknown>;
  servers?: string[];
  config?: Partial<BridgeConfig>;
  settings?: JobTypeSettings;
  bridgeOptions?: Partial<BridgeOptions>;
}

/** A bridge on one job type with a test function, and a client beside it. */
export interface TestBridge {
  bridge: Bridge;
  config: BridgeOptions["config"];
  address: JobAddress;
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Every record the function was called with, in call order. */
  calls: JobRecord[];
  /** Starts one more bridge on the same streams and function. */
  startReplica(): Promise<Bridge>;
  /** Stops the bridges, deletes the test's streams and disconnects. */
  dispose(): Promise<void>;
}

export async function startTestBridge(
  options: TestBridgeOptions,
): Promise<TestBridge> {
  const servers = options.servers ?? [sharedNatsUrl];
  const config = testBridgeConfig(servers, [options.jobType], options.config);
  const address = addressOf(options.jobType, config.naming);
  const calls: JobRecord[] = [];
  const bridges: Bridge[] = [];

  const startReplica = async () => {
    const handler = testHandler(options.jobType, async (job, record) => {
      calls.push(record);
      return options.process(job, record);
    });
    const bridge = await Bridge.start({
      config,
      invoker: invokerFor({ [options.jobType]: handler }),
      jobTypeSettings: { [options.jobType]: options.settings ?? {} },
      ...options.bridgeOptions,
    });
    bridges.push(bridge);
    return bridge;
  };

  const bridge = await startReplica();
  const connection = await connectTo(servers);
  const jsm = await jetstreamManager(connection);
  return {
    bridge,
    config,
    address,
    connection,
    js: jetstream(connection),
    jsm,
    calls,
    startReplica,
    async dispose() {
      await Promise.all(bridges.map((each) => each.stop()));
      await deleteStreams(jsm, [
        address.stream,
        config.naming.deadLetterStream,
      ]);
      await connection.close();
    },
  };
}
