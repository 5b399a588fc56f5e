import { Redis } from "ioredis";
import { inject } from "vitest";

/** Job terms as queue data, for stage tests (the market is not involved, so any values do). */
export function termsData(inputHash = "1") {
  const zero = "0x0000000000000000000000000000000000000000";
  return {
    buyer: zero,
    provider: zero,
    marketId: 0,
    price: "1",
    collateral: "1",
    deadline: "0",
    inputHash,
    callback: false,
    feeBps: 250,
    callbackGasLimit: 200_000,
  };
}

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
