import type { EnvSource } from "../config/env-reader.ts";

/** One service of the local stack, started by us or reused. */
export interface LocalService {
  name: string;
  url: string;
  /** True when it was already running and its URL came from the environment. */
  reused: boolean;
  /** Variables the bridge and functions need to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StackContext {
  /** The environment so far: the process's plus earlier services' variables. */
  env: EnvSource;
  /** Git-ignored folder for data of the services we start. */
  dataDir: string;
}

/** Starts one service, or returns it as reused when its URL is set. */
export type ServiceStarter = (context: StackContext) => Promise<LocalService>;

export interface RunningStack {
  services: LocalService[];
  env: EnvSource;
  stop(): Promise<void>;
}

/**
 * Starts the services in order, each seeing the variables of those before
 * it. On failure, stops what already started. `stop` stops only the
 * services this stack started, in reverse order.
 */
export async function startStack(
  starters: readonly ServiceStarter[],
  context: StackContext,
): Promise<RunningStack> {
  const services: LocalService[] = [];
  let env: Record<string, string | undefined> = { ...context.env };

  const stop = async () => {
    for (const service of [...services].reverse()) {
      if (!service.reused) await service.stop();
    }
  };

  try {
    for (const start of starters) {
      const service = await start({ ...context, env });
      services.push(service);
      env = { ...env, ...service.env };
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, env, stop };
}

export function reusedService(
  name: string,
  url: string,
  env: Record<string, string> = {},
): LocalService {
  return { name, url, reused: true, env, stop: async () => {} };
}
