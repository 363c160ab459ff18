import type { EnvReader } from "./env-reader.ts";

/** How to reach NATS. Several URLs (comma-separated) for a cluster. */
export interface NatsConfig {
  servers: string[];
  credentialsFile?: string;
  token?: string;
  user?: string;
  password?: string;
  /** Connection name shown by the server's monitoring. */
  name: string;
}

export function readNatsConfig(env: EnvReader, name: string): NatsConfig {
  const config: NatsConfig = {
    servers: env.list("NATS_URL", ["nats://localhost:4222"]),
    credentialsFile: env.optional("NATS_CREDS_FILE"),
    token: env.optional("NATS_TOKEN"),
    user: env.optional("NATS_USER"),
    password: env.optional("NATS_PASSWORD"),
    name,
  };

  if (config.servers.length === 0) {
    env.reject(
      "NATS_URL lists no server; set one or more comma-separated URLs such as nats://127.0.0.1:4222",
    );
  }
  if ((config.user === undefined) !== (config.password === undefined)) {
    env.reject("NATS_USER and NATS_PASSWORD must be set together");
  }
  return config;
}
