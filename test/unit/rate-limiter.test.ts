/**
 * The per-sender send limit is a token bucket (capacity = burst, refilled continuously at the
 * rate): in memory and in Redis on an injected clock, so every count is exact, and with Redis's
 * own clock, where two instances, as two app instances would, enforce one limit.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotifyError } from '../../src/notifications/errors.js';
import {
  bucketOf,
  createRateLimiter,
  takeFrom,
  type CallerClass,
  type RateLimiter,
  type RateLimiterOptions,
} from '../../src/ratelimit/rate-limiter.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function refusal(promise: Promise<unknown>): Promise<NotifyError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a refusal').toBeInstanceOf(NotifyError);
  return caught as NotifyError;
}

async function expectRateLimited(promise: Promise<unknown>): Promise<NotifyError> {
  const error = await refusal(promise);
  expect(error.code).toBe('RATE_LIMITED');
  expect(error.details.retryAfterSeconds).toEqual(expect.any(Number));
  expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(error.message).toBe(`too many notifications sent: retry in ${error.details.retryAfterSeconds} s`);
  return error;
}

/** Takes one at a time until refused (at most `max`); returns how many were allowed. */
async function takeUntilRefused(limiter: RateLimiter, senderClass: CallerClass, key: string, max = 10_000): Promise<number> {
  for (let allowed = 0; allowed < max; allowed += 1) {
    try {
      await limiter.take(senderClass, key, 1);
    } catch (error) {
      if (error instanceof NotifyError && error.code === 'RATE_LIMITED') return allowed;
      throw error;
    }
  }
  throw new Error(`still allowed after ${max}`);
}

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/**
 * A sender that tries one send every `everyMs` for `seconds` of the clock; how many were
 * accepted in each whole second.
 */
async function demand(limiter: RateLimiter, clock: ReturnType<typeof manualClock>, key: string, seconds: number, everyMs: number) {
  const perSecond = Array.from({ length: seconds }, () => 0);
  for (let at = 0; at < seconds * 1000; at += everyMs) {
    try {
      await limiter.take('user', key, 1);
      perSecond[Math.floor(at / 1000)]! += 1;
    } catch (error) {
      if (!(error instanceof NotifyError && error.code === 'RATE_LIMITED')) throw error;
    }
    clock.advance(everyMs);
  }
  return perSecond;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('the bucket arithmetic', () => {
  it('holds `burst` tokens, each one refilled after 1/rate s, never more than `burst`', () => {
    const bucket = bucketOf({ perSecond: 4, burst: 2 });
    expect(bucket).toEqual({ intervalUs: 250_000, toleranceUs: 500_000 });
    const t0 = 1_000_000_000;
    const one = takeFrom(bucket, undefined, t0, 1);
    expect(one).toEqual({ fullAtUs: t0 + 250_000 });
    const two = takeFrom(bucket, t0 + 250_000, t0, 1);
    expect(two).toEqual({ fullAtUs: t0 + 500_000 });
    // Empty: the next token comes 250 ms later.
    expect(takeFrom(bucket, t0 + 500_000, t0, 1)).toEqual({ waitUs: 250_000 });
    expect(takeFrom(bucket, t0 + 500_000, t0 + 250_000, 1)).toEqual({ fullAtUs: t0 + 750_000 });
    // A bucket full long ago is just full: idle time does not pile up tokens.
    expect(takeFrom(bucket, t0, t0 + 3_600_000_000, 2)).toEqual({ fullAtUs: t0 + 3_600_000_000 + 500_000 });
    expect(takeFrom(bucket, t0, t0 + 3_600_000_000, 3)).toEqual({ waitUs: 250_000 });
  });

  it('rounds the interval up, so an uneven rate is never exceeded', () => {
    const bucket = bucketOf({ perSecond: 3, burst: 1 });
    expect(bucket.intervalUs).toBe(333_334);
    expect(bucket.intervalUs * 3).toBeGreaterThanOrEqual(1_000_000);
  });
});

/** The same behaviour, whether the buckets are in memory or in Redis (on the injected clock). */
function bucketBehaviour(where: 'in memory' | 'in Redis, on an injected clock') {
  describe(where, () => {
    const limiters: RateLimiter[] = [];
    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((limiter) => limiter.stop()));
    });
    const errors: unknown[] = [];
    afterEach(() => {
      expect(errors).toEqual([]);
      errors.length = 0;
    });

    // Keys of their own, so runs never meet buckets left in Redis by another run.
    const run = randomBytes(6).toString('hex');
    const key = (name: string) => `${name}-${run}-${randomBytes(4).toString('hex')}`;

    async function limiterOn(clock: ReturnType<typeof manualClock>, settings: Pick<RateLimiterOptions, 'user' | 'service'>) {
      const limiter = await createRateLimiter({
        name: 'send',
        ...settings,
        clock: clock.now,
        onError: (error) => errors.push(error),
        ...(where !== 'in memory' && { redisUrl: REDIS_URL }),
      });
      limiters.push(limiter);
      return limiter;
    }

    // 2 a second, a bucket of 6.
    const settings = { user: { perSecond: 2, burst: 6 }, service: { perSecond: 100, burst: 200 } };

    it('allows the burst at once, then refuses with RATE_LIMITED and when the next one fits', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, settings);
      const k = key('user:1');
      for (let i = 0; i < 6; i += 1) await limiter.take('user', k, 1);
      expect((await expectRateLimited(limiter.take('user', k, 1))).details.retryAfterSeconds).toBe(1);
      // Six at once wait for the whole bucket: 3 s.
      expect((await expectRateLimited(limiter.take('user', k, 6))).details.retryAfterSeconds).toBe(3);
    });

    it('refills one token every 1/rate s, continuously, and never beyond the burst', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, settings);
      const k = key('user:1');
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(6);
      clock.advance(499);
      await expectRateLimited(limiter.take('user', k, 1));
      clock.advance(1);
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(1);
      clock.advance(1_000);
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(2);
      clock.advance(2_250);
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(4);
      // An hour idle fills the bucket, and no more.
      clock.advance(3_600_000);
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(6);
    });

    it('the audit: one at a time for 20 s at 10/s with a burst of 100 gets burst + rate × 20, never the burst twice, and a steady 50/s gets 10/s once the burst is spent', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, { user: { perSecond: 10, burst: 100 }, service: settings.service });
      // As fast as it can (every 5 ms): the burst and the rate, never the burst again later.
      // Within [0, 20 s): 299, as the 300th token (burst + rate × 20) is due at 20 s exactly.
      const greedy = await demand(limiter, clock, key('user:greedy'), 20, 5);
      expect(sum(greedy)).toBe(100 + 10 * 20 - 1);
      expect(greedy[0]).toBe(109);
      expect(greedy.slice(1)).toEqual(Array.from({ length: 19 }, () => 10));

      const steady = await demand(limiter, clock, key('user:steady'), 20, 20);
      // 50/s against 10/s of refill: the bucket of 100 lasts 2.5 s, then 10 a second.
      expect(sum(steady)).toBe(100 + 10 * 20 - 1);
      expect(steady.slice(3)).toEqual(Array.from({ length: 17 }, () => 10));
    });

    it('counts a batch as its size; a batch that does not fit spends nothing', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, settings);
      const k = key('user:1');
      await limiter.take('user', k, 2);
      await expectRateLimited(limiter.take('user', k, 5));
      await limiter.take('user', k, 4);
      await expectRateLimited(limiter.take('user', k, 1));
    });

    it('refuses a call asking for more than the bucket holds with BAD_USER_INPUT, never RATE_LIMITED, and spends nothing', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, settings);
      const k = key('user:1');
      const tooMany = await refusal(limiter.take('user', k, 7));
      expect(tooMany.code).toBe('BAD_USER_INPUT');
      expect(tooMany.details).toEqual({ field: 'inputs' });
      expect(tooMany.message).toBe('this token may send at most 6 notifications per call');
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(6);
      // Spent out, it is still BAD_USER_INPUT: a retry would never succeed.
      expect((await refusal(limiter.take('user', k, 7))).code).toBe('BAD_USER_INPUT');
      expect((await refusal(limiter.take('user', k, 1_000_000))).code).toBe('BAD_USER_INPUT');
    });

    it('allows one call of exactly the burst, even when the burst is below the rate', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, { user: { perSecond: 10, burst: 4 }, service: settings.service });
      await limiter.take('user', key('a'), 4);
      expect((await refusal(limiter.take('user', key('b'), 5))).code).toBe('BAD_USER_INPUT');
    });

    it('lets a call of 0 through even when the bucket is empty', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, settings);
      const k = key('user:1');
      await takeUntilRefused(limiter, 'user', k);
      await limiter.take('user', k, 0);
    });

    it('keeps user and service buckets apart, even under the same key, and each key its own', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, { user: { perSecond: 1, burst: 2 }, service: { perSecond: 1, burst: 3 } });
      const same = key('same');
      expect(await takeUntilRefused(limiter, 'user', same)).toBe(2);
      expect(await takeUntilRefused(limiter, 'service', same)).toBe(3);
      expect(await takeUntilRefused(limiter, 'user', key('other'))).toBe(2);
      await expectRateLimited(limiter.take('user', same, 1));
    });

    it('limits one class while the other is unlimited', async () => {
      const clock = manualClock();
      const limiter = await limiterOn(clock, { user: { perSecond: 1, burst: 1 }, service: { perSecond: 0, burst: 1 } });
      const k = key('k');
      expect(await takeUntilRefused(limiter, 'user', k)).toBe(1);
      for (let i = 0; i < 100; i += 1) await limiter.take('service', k, 1);
    });

    if (where === 'in memory') {
      it('keeps instances without Redis apart (each process counts for itself)', async () => {
        const clock = manualClock();
        const [a, b] = [await limiterOn(clock, settings), await limiterOn(clock, settings)];
        const k = key('user:1');
        expect(await takeUntilRefused(a, 'user', k)).toBe(6);
        expect(await takeUntilRefused(b, 'user', k)).toBe(6);
      });
    } else {
      it('two instances share one bucket: the burst once, then the rate, whichever instance is asked', async () => {
        const clock = manualClock();
        const [a, b] = [await limiterOn(clock, settings), await limiterOn(clock, settings)];
        const k = key('user:1');
        for (let i = 0; i < 6; i += 1) await [a, b][i % 2]!.take('user', k, 1);
        await expectRateLimited(a.take('user', k, 1));
        await expectRateLimited(b.take('user', k, 1));
        clock.advance(1_000);
        await b.take('user', k, 1);
        await a.take('user', k, 1);
        await expectRateLimited(b.take('user', k, 1));
      });
    }
  });
}

bucketBehaviour('in memory');
bucketBehaviour('in Redis, on an injected clock');

describe("with Redis's own clock", () => {
  const limiters: RateLimiter[] = [];
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.stop()));
  });

  /** A limiter as one app instance has it; `errors` collects what it reports. */
  async function instance(errors: unknown[], redisUrl = REDIS_URL) {
    const limiter = await createRateLimiter({ name: 'send', ...settings, redisUrl, onError: (error) => errors.push(error) });
    limiters.push(limiter);
    return limiter;
  }

  const randomKey = () => `user:test-${randomBytes(8).toString('hex')}`;
  // A rate of 1 a second and a bucket of 20.
  const settings = { user: { perSecond: 1, burst: 20 }, service: { perSecond: 1, burst: 20 } };

  it('two instances share one limit for the same key, from their very first send', async () => {
    const errors: unknown[] = [];
    const [a, b] = await Promise.all([instance(errors), instance(errors)]);
    const key = randomKey();
    const started = Date.now();
    let allowed = 0;
    for (let i = 0; i < 100; i += 1) {
      try {
        await [a, b][i % 2]!.take('user', key, 1);
        allowed += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(NotifyError);
        expect((error as NotifyError).code).toBe('RATE_LIMITED');
        break;
      }
    }
    const elapsedS = (Date.now() - started) / 1000;
    // One bucket: its 20, plus what refilled meanwhile; two would have allowed 40.
    expect(allowed).toBeGreaterThanOrEqual(20);
    expect(allowed).toBeLessThanOrEqual(20 + Math.ceil(elapsedS));
    await expectRateLimited(a.take('user', key, 5));
    await expectRateLimited(b.take('user', key, 5));
    expect(errors).toEqual([]);
  });

  it('a batch spent on one instance counts on the other; other keys and classes do not share', async () => {
    const errors: unknown[] = [];
    const [a, b] = await Promise.all([instance(errors), instance(errors)]);
    const key = randomKey();
    await a.take('user', key, 1);
    await a.take('user', key, 19);
    await expectRateLimited(b.take('user', key, 2));
    await b.take('user', randomKey(), 20);
    await b.take('service', key, 20);
    expect(errors).toEqual([]);
  });

  it('keeps its bucket key short-lived: it expires once the bucket would be full again', async () => {
    const [a] = [await instance([])];
    const key = randomKey();
    await a.take('user', key, 3);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const ttl = await redis.pttl(`kafka-notify:send-bucket:user:${key}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3_000);
    } finally {
      await redis.quit();
    }
  });

  describe('when Redis goes away after start', () => {
    let proxy: Server;
    const links = new Set<Socket>();
    let open = true;
    beforeAll(async () => {
      const target = new URL(REDIS_URL);
      proxy = createServer((client) => {
        if (!open) return client.destroy();
        const upstream = new Socket();
        upstream.connect(Number(target.port || 6379), target.hostname);
        for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
          links.add(from);
          from.pipe(to);
          from.on('error', () => to.destroy());
          from.on('close', () => {
            links.delete(from);
            to.destroy();
          });
        }
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const link of links) link.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });

    it('counts in memory meanwhile, reporting the failure once and the recovery once, instead of refusing every send', async () => {
      const errors: unknown[] = [];
      let recovered = 0;
      const limiter = await createRateLimiter({
        name: 'send',
        ...settings,
        redisUrl: `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        onError: (error) => errors.push(error),
        onRecovered: () => (recovered += 1),
      });
      limiters.push(limiter);
      const key = randomKey();
      await limiter.take('user', key, 5);
      expect(errors).toEqual([]);

      open = false;
      for (const link of links) link.destroy();
      // Memory has a full bucket of its own for this key: the old behaviour of an insurance limiter.
      expect(await takeUntilRefused(limiter, 'user', key)).toBe(20);
      // Every reconnect attempt failed meanwhile; the failure was told once.
      expect(errors).toHaveLength(1);

      open = true;
      // ioredis reconnects on its own schedule and tells no one: the first take it carries says so.
      while (recovered === 0) {
        await limiter.take('user', randomKey(), 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(recovered).toBe(1);
      expect(errors).toHaveLength(1);
    });
  });
});
