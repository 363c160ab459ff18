import {
  type EnvSource,
  envValue,
  withoutBlankValues,
} from "../config/env-reader.ts";
import type { ChildRegistry } from "./child-registry.ts";

/** One service of the local stack, started by us or reused. */
export interface LocalService {
  name: string;
  /** Address for the start-up line; never contains a password. */
  url: string;
  /**
   * True when the service itself was already running, false when this stack
   * started it. Helpers started in front of a reused service (a proxy) are
   * reported in `details`.
   */
  reused: boolean;
  /** Extra fields of the start-up line; never a secret. */
  details?: Record<string, string | boolean>;
  /** Variables the bridge, functions and CLI need to reach it. */
  env: Record<string, string>;
  /** Stops what this stack started for the service, if anything. */
  stop(): Promise<void>;
}

export interface StackContext {
  /**
   * The environment so far: the process's plus earlier services' variables.
   * `startStack` drops blank variables and trims values, so a starter can
   * treat any value it finds as set.
   */
  env: EnvSource;
  /** Git-ignored folder for data of the services we start. */
  dataDir: string;
  /**
   * Where server processes are recorded. When set, they run in their own
   * process group, so Ctrl-C reaches only the process that stops them.
   */
  children?: ChildRegistry;
}

/** Starts one service, or returns it as reused when its URL is set. */
export type ServiceStarter = (context: StackContext) => Promise<LocalService>;

export interface RunningStack {
  services: LocalService[];
  /** The starting environment with every service's variables on top. */
  env: EnvSource;
  /** Only the services' variables: what another process needs to use them. */
  variables: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the services in order, each seeing the variables of those before
 * it. Blank variables (a .env copied from .env.example) count as unset and
 * are left out of the environment the services and `env` see. On failure, stops what already started. `stop` stops, in reverse
 * order, only what this stack started: a reused service's `stop` is a no-op.
 */
export async function startStack(
  starters: readonly ServiceStarter[],
  context: StackContext,
): Promise<RunningStack> {
  const services: LocalService[] = [];
  let env: Record<string, string | undefined> = withoutBlankValues(context.env);
  let variables: Record<string, string> = {};

  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop();
  };

  try {
    for (const start of starters) {
      const service = await start({ ...context, env });
      services.push(service);
      env = { ...env, ...service.env };
      variables = { ...variables, ...service.env };
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, env, variables, stop };
}

/**
 * A service that was already running. `env` should repeat the variables that
 * point at it, so the stack's `variables` name every service.
 */
export function reusedService(
  name: string,
  url: string,
  env: Record<string, string> = {},
): LocalService {
  return { name, url, reused: true, env, stop: async () => {} };
}

/** Returns the variables among `names` that are set and not blank. */
export function pickSet(
  env: EnvSource,
  names: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = envValue(env, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** Masks the password in a URL, for logs. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}
