// A token bucket per client address: uploads cost disk and hashing, so one client cannot fill the store or
// keep the gateway busy for everyone else. Buckets are forgotten once full again, which bounds the memory a
// flood of addresses can take to those seen within one refill period.

export type RateLimit = {
  /** Uploads a client may make at once. */
  capacity: number;
  /** Uploads a client regains per second. */
  refillPerSecond: number;
};

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export type TokenBuckets = {
  /** Takes one token from `key`'s bucket. */
  take(key: string): TakeResult;
  /** Buckets held now (tests and metrics). */
  size(): number;
};

/** At most this many buckets before the full ones are swept. */
const SWEEP_AT = 10_000;

export function createTokenBuckets(limit: RateLimit, now: () => number = Date.now): TokenBuckets {
  if (!(limit.capacity >= 1) || !(limit.refillPerSecond > 0))
    throw new Error("rate limit needs a capacity of at least 1 and a positive refill rate");
  const buckets = new Map<string, { tokens: number; at: number }>();

  function level(bucket: { tokens: number; at: number }, t: number): number {
    return Math.min(limit.capacity, bucket.tokens + ((t - bucket.at) / 1000) * limit.refillPerSecond);
  }

  return {
    take(key) {
      const t = now();
      if (buckets.size >= SWEEP_AT) for (const [k, b] of buckets) if (level(b, t) >= limit.capacity) buckets.delete(k);
      const bucket = buckets.get(key) ?? { tokens: limit.capacity, at: t };
      const tokens = level(bucket, t);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t });
        return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / limit.refillPerSecond) };
      }
      buckets.set(key, { tokens: tokens - 1, at: t });
      return { ok: true };
    },
    size: () => buckets.size,
  };
}
