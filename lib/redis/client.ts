import { Redis } from "@upstash/redis";
import type { RedisConfig } from "../config/redis.ts";

/**
 * Creates the Upstash REST client. Automatic deserialization is off: by
 * default the client runs JSON.parse on every string it reads, so a stored
 * "106242075399214372653" comes back as a rounded number and "true" as a
 * boolean. With it off, values come back as the exact strings stored, and
 * callers that store JSON parse it themselves.
 */
export function createRedisClient(config: RedisConfig): Redis {
  return new Redis({
    url: config.url,
    token: config.token,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
}
