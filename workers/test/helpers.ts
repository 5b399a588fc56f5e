import { Redis } from "ioredis";
import { inject } from "vitest";

/** The test Redis URL; throws the install instructions when redis-server is missing. */
export function testRedisUrl(): string {
  const error = inject("redisError");
  if (error !== "") throw new Error(error);
  return inject("redisUrl");
}

/** A client on the test Redis, on a database of its own so test files do not see each other's keys. */
export function testRedis(db: number): Redis {
  const url = new URL(testRedisUrl());
  return new Redis({ host: url.hostname, port: Number(url.port), db, maxRetriesPerRequest: null });
}
