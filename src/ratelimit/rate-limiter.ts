/**
 * Per-caller limits, one per kind of work: sending, counted in notifications (a batch of 100
 * costs 100), and inbox changes (each a store transaction and a push to every open feed of the
 * inbox). Each caller has a token bucket that holds at most `burst` sends and refills continuously at
 * `perSecond`, so over any N seconds at most `burst + perSecond × N` are accepted: what the README
 * promises. With Redis the buckets live there, so every instance enforces ONE limit; if Redis
 * fails, each instance falls back to its own in-memory buckets rather than refusing every send.
 *
 * rate-limiter-flexible, used before, has fixed windows only: its "bursty" pair refilled the
 * whole burst at every window boundary, which allowed twice the documented rate (issue 15, §3.1).
 */
import { Redis } from 'ioredis';
import pTimeout from 'p-timeout';
import { LRUCache } from 'lru-cache';
import { NotifyError } from '../notifications/errors.js';

export interface RateSettings {
  /** Notifications per second; 0 turns the limit off. */
  perSecond: number;
  /** How many the bucket holds: what may be spent at once, and so the most one call may send. */
  burst: number;
}

export interface RateLimiterOptions {
  /** Names the buckets (`kafka-notify:<name>-bucket:…`) and, in refusals, what was limited. */
  name: 'send' | 'inbox';
  user: RateSettings;
  service: RateSettings;
  redisUrl?: string | undefined;
  /** Redis failed and counting moved to memory: told once, not on every call meanwhile. */
  onError?: (error: unknown) => void;
  /** Redis counts again after an `onError`. */
  onRecovered?: () => void;
  /**
   * Milliseconds since the epoch. Tests inject one to step time exactly; left out, memory reads
   * Date.now() and Redis reads its own TIME, one clock for every instance, so no instance's
   * clock running ahead can refill a bucket sooner.
   */
  clock?: () => number;
}

export type CallerClass = keyof Pick<RateLimiterOptions, 'user' | 'service'>;

/**
 * The bucket as GCRA keeps it: one number per key, the time at which it will be full again
 * (`full`). Taking `count` moves that time by count × interval; a take that would push it more
 * than a whole bucket's refill time past now finds too few tokens. Tokens held at `now` are
 * (tolerance − max(0, full − now)) / interval, so this is exactly a token bucket of `burst` tokens
 * refilled at `perSecond`, with no timer and no second field to keep in step.
 *
 * Times are whole microseconds (an exact integer in a double until the year 2255), so the memory
 * and Lua arithmetic agree to the token; the interval is rounded up, so the rate is never above
 * the setting.
 */
export interface Bucket {
  intervalUs: number;
  toleranceUs: number;
}

export const bucketOf = ({ perSecond, burst }: RateSettings): Bucket => {
  const intervalUs = Math.ceil(1_000_000 / perSecond);
  return { intervalUs, toleranceUs: burst * intervalUs };
};

/** Where a take leaves the bucket: its new `full` time, or how long until `count` would fit. */
export function takeFrom(bucket: Bucket, fullAtUs: number | undefined, nowUs: number, count: number): { fullAtUs: number } | { waitUs: number } {
  const next = Math.max(fullAtUs ?? nowUs, nowUs) + count * bucket.intervalUs;
  const over = next - nowUs - bucket.toleranceUs;
  return over > 0 ? { waitUs: over } : { fullAtUs: next };
}

/** takeFrom, as one atomic step inside Redis. Returns 0 when taken, else the wait in µs. */
const TAKE_LUA = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local full = tonumber(redis.call('GET', KEYS[1])) or now
if full < now then full = now end
local nextFull = full + count * interval
local over = nextFull - now - tolerance
if over > 0 then return over end
redis.call('SET', KEYS[1], string.format('%.0f', nextFull), 'PX', math.ceil((nextFull - now) / 1000))
return 0
`;

type BucketRedis = Redis & { takeFromBucket(key: string, ...args: number[]): Promise<number> };

/** Redis answers a take in well under a millisecond; waiting longer only delays the send. */
const REDIS_TIMEOUT_MS = 500;

/** Buckets kept per instance; an idle one is dropped once full again, as it then equals no entry. */
const MEMORY_BUCKETS_MAX = 100_000;

const REFUSALS = {
  send: { what: 'notifications sent', perCall: (burst: number) => `this token may send at most ${burst} notifications per call` },
  inbox: { what: 'inbox changes', perCall: (burst: number) => `this token may change at most ${burst} notifications per call` },
};

/** Resolves once the limiter counts where it will: with Redis, once connected, so instances share one limit from their first send. */
export async function createRateLimiter({ name, user, service, redisUrl, onError = () => {}, onRecovered = () => {}, clock }: RateLimiterOptions) {
  // No offline queue: while Redis is away, counting falls to memory at once instead of waiting;
  // and a command the connection dropped under falls there too, after a short wait, instead of
  // holding the send until Redis answers again.
  const redis = redisUrl
    ? (new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }) as BucketRedis)
    : null;
  // ioredis reports every reconnect attempt as an error: the takes tell when counting moves.
  redis?.on('error', () => {});
  redis?.defineCommand('takeFromBucket', { numberOfKeys: 1, lua: TAKE_LUA });
  await redis?.connect();

  const nowUs = () => Math.round((clock ?? Date.now)() * 1000);
  const memory = new LRUCache<string, number>({ max: MEMORY_BUCKETS_MAX, ttlAutopurge: false, perf: { now: () => nowUs() / 1000 } });
  // A failing Redis is reported when counting moves to memory, not on every send meanwhile.
  let onMemory = false;

  function takeInMemory(bucket: Bucket, key: string, count: number): number {
    const now = nowUs();
    const taken = takeFrom(bucket, memory.get(key), now, count);
    if ('waitUs' in taken) return taken.waitUs;
    memory.set(key, taken.fullAtUs, { ttl: Math.ceil((taken.fullAtUs - now) / 1000) });
    return 0;
  }

  async function takeInRedis(redisClient: BucketRedis, bucket: Bucket, key: string, count: number): Promise<number> {
    try {
      const args = [bucket.intervalUs, bucket.toleranceUs, count, ...(clock ? [nowUs()] : [])];
      // Bounded per take, not by ioredis's commandTimeout: that one also bounds the ready check at
      // connect, and a slow check (a busy event loop at start) closed the connection and failed start.
      const waitUs = await pTimeout(redisClient.takeFromBucket(key, ...args), { milliseconds: REDIS_TIMEOUT_MS });
      if (onMemory) onRecovered();
      onMemory = false;
      return waitUs;
    } catch (error) {
      if (!onMemory) onError(error);
      onMemory = true;
      return takeInMemory(bucket, key, count);
    }
  }

  const limitOf = (settings: RateSettings) => (settings.perSecond === 0 ? null : { burst: settings.burst, bucket: bucketOf(settings) });
  const classes = { user: limitOf(user), service: limitOf(service) };

  /**
   * Spends `count` of `key`'s allowance, or throws: BAD_USER_INPUT when one call asks for
   * more than the bucket holds (a retry would never succeed), RATE_LIMITED with the seconds to
   * wait otherwise. A refused call spends nothing.
   */
  async function take(callerClass: CallerClass, key: string, count = 1): Promise<void> {
    const limit = classes[callerClass];
    if (!limit || count === 0) return;
    if (count > limit.burst) {
      throw new NotifyError('BAD_USER_INPUT', REFUSALS[name].perCall(limit.burst), { field: name === 'send' ? 'inputs' : 'ids' });
    }
    const bucketKey = `kafka-notify:${name}-bucket:${callerClass}:${key}`;
    const waitUs = redis ? await takeInRedis(redis, limit.bucket, bucketKey, count) : takeInMemory(limit.bucket, bucketKey, count);
    if (waitUs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitUs / 1_000_000));
      throw new NotifyError('RATE_LIMITED', `too many ${REFUSALS[name].what}: retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  return {
    take,
    async stop() {
      // quit() fails while Redis is away; disconnect() then ends the reconnect loop.
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

export type RateLimiter = Awaited<ReturnType<typeof createRateLimiter>>;
