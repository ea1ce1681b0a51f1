/**
 * The per-sender limit on sending, counted in notifications (a batch of 100 costs 100). Each
 * caller gets a steady rate plus a burst allowance (rate-limiter-flexible's BurstyRateLimiter).
 * With Redis the counters live there, so every instance enforces ONE limit; if Redis fails, each
 * instance falls back to its own in-memory counters rather than refusing every send.
 */
import { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { NotifyError } from '../notifications/errors.js';

export interface RateSettings {
  /** Notifications per second; 0 turns the limit off. */
  perSecond: number;
  /** What may be spent at once above the steady rate (also the most one call may send). */
  burst: number;
}

export interface SendRateLimiterOptions {
  user: RateSettings;
  service: RateSettings;
  redisUrl?: string | undefined;
  onError?: (error: unknown) => void;
}

export type SenderClass = keyof Pick<SendRateLimiterOptions, 'user' | 'service'>;

/** Resolves once the limiter counts where it will: with Redis, once connected, so instances share one limit from their first send. */
export async function createSendRateLimiter({ user, service, redisUrl, onError = () => {} }: SendRateLimiterOptions) {
  // No offline queue: while Redis is away, counting falls to memory at once instead of waiting.
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }) : null;
  redis?.on('error', onError);
  await redis?.connect();

  function limiter(prefix: string, points: number, duration: number): RateLimiterAbstract {
    const keyPrefix = `kafka-notify:send:${prefix}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    return redis ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory }) : memory;
  }

  function bursty(name: SenderClass, { perSecond, burst }: RateSettings) {
    if (perSecond === 0) return null;
    return {
      maxPerCall: Math.max(perSecond, burst),
      limiter: new BurstyRateLimiter(
        limiter(`${name}:rate`, perSecond, 1),
        limiter(`${name}:burst`, burst, Math.max(1, Math.ceil(burst / perSecond))),
      ),
    };
  }

  const classes = { user: bursty('user', user), service: bursty('service', service) };

  /**
   * Spends `count` sends of `key`'s allowance, or throws: BAD_USER_INPUT when one call asks for
   * more than could ever be allowed (a retry would never succeed), RATE_LIMITED with the seconds
   * to wait otherwise.
   */
  async function take(senderClass: SenderClass, key: string, count: number): Promise<void> {
    const limit = classes[senderClass];
    if (!limit || count === 0) return;
    if (count > limit.maxPerCall) {
      throw new NotifyError('BAD_USER_INPUT', `this token may send at most ${limit.maxPerCall} notifications per call`, { field: 'inputs' });
    }
    try {
      await limit.limiter.consume(key, count);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new NotifyError('RATE_LIMITED', `too many notifications sent: retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  return {
    take,
    async stop() {
      await redis?.quit().catch(() => {});
    },
  };
}

export type SendRateLimiter = Awaited<ReturnType<typeof createSendRateLimiter>>;
