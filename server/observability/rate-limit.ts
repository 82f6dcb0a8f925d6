/**
 * Token buckets per device (and per address for enrolment, where there is no device yet). Kept in
 * this process: with N service processes behind a balancer a device gets at most N times the rate,
 * which bounds it all the same without a shared store.
 */
export interface RateLimiter {
  /** True when the request may go ahead (and takes a token). */
  take(id: string): boolean;
}

export function createRateLimiter({ perSecond, burst, now = () => performance.now(), maxIds = 100_000 }: { perSecond: number; burst: number; now?: () => number; maxIds?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(id) {
      const t = now();
      let b = buckets.get(id);
      if (!b) {
        if (buckets.size >= maxIds) buckets.delete(buckets.keys().next().value!); // oldest first
        b = { tokens: burst, at: t };
        buckets.set(id, b);
      }
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
      b.at = t;
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
