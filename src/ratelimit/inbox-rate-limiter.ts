/**
 * The per-caller limit on inbox changes (mark read or unread, mark all read, archive, delete).
 * Each change is a store transaction and a push to every open feed of that inbox, so a client
 * looping over them costs the store and every subscriber; unlimited, it made one user's feeds
 * hold hundreds of MB (issue 15, §3). Counted per call in ten-second windows (rate-limiter-
 * flexible), so a client may spend a window's allowance at once (a user marking a page read item
 * by item) yet not keep up more than the rate; in Redis when it is set, so every instance
 * enforces one limit, and in memory meanwhile if Redis fails, rather than refusing every change.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { NotifyError } from '../notifications/errors.js';

export interface InboxRateLimiterOptions {
  /** Inbox changes per second for each user token; 0 turns the limit off. */
  userPerSecond: number;
  /** The same for each service token, which may change many users' inboxes. */
  servicePerSecond: number;
  redisUrl?: string | undefined;
  onError?: (error: unknown) => void;
}

export type CallerClass = 'user' | 'service';

const WINDOW_SECONDS = 10;

/** Resolves once the limiter counts where it will: with Redis, once connected. */
export async function createInboxRateLimiter({ userPerSecond, servicePerSecond, redisUrl, onError = () => {} }: InboxRateLimiterOptions) {
  // No offline queue: while Redis is away, counting falls to memory at once instead of waiting.
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }) : null;
  redis?.on('error', onError);
  await redis?.connect();

  function limiter(callerClass: CallerClass, perSecond: number): RateLimiterAbstract | null {
    if (perSecond === 0) return null;
    const keyPrefix = `kafka-notify:inbox:${callerClass}`;
    const limits = { keyPrefix, points: perSecond * WINDOW_SECONDS, duration: WINDOW_SECONDS };
    const memory = new RateLimiterMemory(limits);
    return redis ? new RateLimiterRedis({ ...limits, storeClient: redis, insuranceLimiter: memory }) : memory;
  }

  const limiters: Record<CallerClass, RateLimiterAbstract | null> = { user: limiter('user', userPerSecond), service: limiter('service', servicePerSecond) };

  /** Spends one inbox change of `key`'s allowance, or throws RATE_LIMITED with the seconds to wait. */
  async function take(callerClass: CallerClass, key: string): Promise<void> {
    const limit = limiters[callerClass];
    if (!limit) return;
    try {
      await limit.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new NotifyError('RATE_LIMITED', `too many inbox changes: retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  return {
    take,
    async stop() {
      await redis?.quit().catch(() => {});
    },
  };
}

export type InboxRateLimiter = Awaited<ReturnType<typeof createInboxRateLimiter>>;
