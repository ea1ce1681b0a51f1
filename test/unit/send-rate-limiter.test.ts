/**
 * The per-sender send limit: in memory (on vitest's fake clock, so every count is exact) and
 * with Redis, where two instances, as two app instances would, enforce one limit.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotifyError } from '../../src/notifications/errors.js';
import { createSendRateLimiter, type SendRateLimiter, type SenderClass } from '../../src/ratelimit/send-rate-limiter.js';

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
async function takeUntilRefused(limiter: SendRateLimiter, senderClass: SenderClass, key: string, max = 1000): Promise<number> {
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

describe('in memory', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // 2 a second, and a burst of 6 that refills over 3 s: 8 at once, then refused.
  const settings = { user: { perSecond: 2, burst: 6 }, service: { perSecond: 100, burst: 200 } };

  it('allows the steady rate plus the burst at once, then refuses with RATE_LIMITED and when to retry', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    for (let i = 0; i < 8; i += 1) await limiter.take('user', 'user:1', 1);
    const error = await expectRateLimited(limiter.take('user', 'user:1', 1));
    expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(3);
    await expectRateLimited(limiter.take('user', 'user:1', 1));
  });

  it('lets the steady rate through again a second later, and the burst once it refilled', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    expect(await takeUntilRefused(limiter, 'user', 'user:1')).toBe(8);
    vi.advanceTimersByTime(1_000);
    expect(await takeUntilRefused(limiter, 'user', 'user:1')).toBe(2);
    vi.advanceTimersByTime(2_000);
    expect(await takeUntilRefused(limiter, 'user', 'user:1')).toBe(8);
  });

  it('counts a batch as its size', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    await limiter.take('user', 'user:1', 2);
    await limiter.take('user', 'user:1', 6);
    await expectRateLimited(limiter.take('user', 'user:1', 1));
  });

  it('refuses a call asking for more than one call may ever send with BAD_USER_INPUT, never RATE_LIMITED, and spends nothing', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    const tooMany = await refusal(limiter.take('user', 'user:1', 7));
    expect(tooMany.code).toBe('BAD_USER_INPUT');
    expect(tooMany.details).toEqual({ field: 'inputs' });
    expect(tooMany.message).toBe('this token may send at most 6 notifications per call');
    // Nothing was spent: the full allowance is still there.
    expect(await takeUntilRefused(limiter, 'user', 'user:1')).toBe(8);
    // Spent out, it is still BAD_USER_INPUT: a retry would never succeed.
    expect((await refusal(limiter.take('user', 'user:1', 7))).code).toBe('BAD_USER_INPUT');
    expect((await refusal(limiter.take('user', 'user:1', 1_000_000))).code).toBe('BAD_USER_INPUT');
  });

  it('allows one call of exactly the most a call may send', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter({ user: { perSecond: 10, burst: 4 }, service: settings.service });
    // The per-call maximum is the larger of the rate and the burst.
    await limiter.take('user', 'a', 10);
    expect((await refusal(limiter.take('user', 'b', 11))).code).toBe('BAD_USER_INPUT');
  });

  it('lets a call of 0 through even when the allowance is spent', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    await takeUntilRefused(limiter, 'user', 'user:1');
    await limiter.take('user', 'user:1', 0);
  });

  it('with perSecond 0, does not limit that class at all', async () => {
    const limiter = await createSendRateLimiter({ user: { perSecond: 0, burst: 1 }, service: { perSecond: 0, burst: 1 } });
    for (let i = 0; i < 2_000; i += 1) await limiter.take('user', 'user:1', 1);
    await limiter.take('user', 'user:1', 1_000_000);
    await limiter.take('service', 'service:s', 1_000_000);
  });

  it('keeps user and service allowances apart, even under the same key', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter({ user: { perSecond: 1, burst: 2 }, service: { perSecond: 1, burst: 2 } });
    expect(await takeUntilRefused(limiter, 'user', 'same')).toBe(3);
    expect(await takeUntilRefused(limiter, 'service', 'same')).toBe(3);
    await expectRateLimited(limiter.take('user', 'same', 1));
  });

  it('limits one class while the other is unlimited', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter({ user: { perSecond: 1, burst: 1 }, service: { perSecond: 0, burst: 1 } });
    expect(await takeUntilRefused(limiter, 'user', 'k')).toBe(2);
    for (let i = 0; i < 100; i += 1) await limiter.take('service', 'k', 1);
  });

  it('gives each key its own allowance', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const limiter = await createSendRateLimiter(settings);
    expect(await takeUntilRefused(limiter, 'user', 'user:1')).toBe(8);
    expect(await takeUntilRefused(limiter, 'user', 'user:2')).toBe(8);
    await expectRateLimited(limiter.take('user', 'user:1', 1));
  });

  it('keeps instances without Redis apart (each process counts for itself)', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const a = await createSendRateLimiter(settings);
    const b = await createSendRateLimiter(settings);
    expect(await takeUntilRefused(a, 'user', 'user:1')).toBe(8);
    expect(await takeUntilRefused(b, 'user', 'user:1')).toBe(8);
  });
});

describe('with Redis', () => {
  const limiters: SendRateLimiter[] = [];
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.stop()));
  });

  /** A limiter as one app instance has it; `errors` collects what it reports. */
  async function instance(errors: unknown[]) {
    const limiter = await createSendRateLimiter({ ...settings, redisUrl: REDIS_URL, onError: (error) => errors.push(error) });
    limiters.push(limiter);
    return limiter;
  }

  const randomKey = () => `user:test-${randomBytes(8).toString('hex')}`;
  // A rate of 1 a second and a burst of 20 that refills over 20 s: 21 one at a time, then refused.
  const settings = { user: { perSecond: 1, burst: 20 }, service: { perSecond: 1, burst: 20 } };

  /** Alternates single sends between the instances until one is refused; how many were allowed. */
  async function alternateUntilRefused(instances: SendRateLimiter[], key: string) {
    let allowed = 0;
    const started = Date.now();
    for (let i = 0; i < 100; i += 1) {
      try {
        await instances[i % instances.length]!.take('user', key, 1);
        allowed += 1;
      } catch (error) {
        if (!(error instanceof NotifyError)) throw error;
        expect(error.code).toBe('RATE_LIMITED');
        return { allowed, elapsedS: Math.floor((Date.now() - started) / 1000) };
      }
    }
    throw new Error('never refused');
  }

  it('two instances share one limit for the same key, from their very first send', async () => {
    const errors: unknown[] = [];
    const [a, b] = await Promise.all([instance(errors), instance(errors)]);
    const key = randomKey();
    const { allowed, elapsedS } = await alternateUntilRefused([a, b], key);
    // One limit: the burst and the rate once, plus what the rate refilled meanwhile; two
    // separate limits would have allowed twice that before the first refusal.
    expect(allowed).toBeGreaterThanOrEqual(21);
    expect(allowed).toBeLessThanOrEqual(21 + elapsedS);
    // Once spent on one instance, it is spent on the other.
    await expectRateLimited(a.take('user', key, 5));
    await expectRateLimited(b.take('user', key, 5));
    expect(errors).toEqual([]);
  });

  it('a batch spent on one instance counts on the other; other keys and classes do not share', async () => {
    const errors: unknown[] = [];
    const [a, b] = await Promise.all([instance(errors), instance(errors)]);
    const key = randomKey();
    await a.take('user', key, 1);
    await a.take('user', key, 20);
    await expectRateLimited(b.take('user', key, 1));
    await expectRateLimited(a.take('user', key, 1));
    await b.take('user', randomKey(), 20);
    await b.take('service', key, 20);
    expect(errors).toEqual([]);
  });
});
