/** The Redis the machine runs; tests share it with unique key prefixes. */
export const sharedRedisUrl =
  process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
