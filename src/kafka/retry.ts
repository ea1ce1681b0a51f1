/** Retrying a step of a batch for as long as the consumer still owns the batch. */
import { setTimeout as delay } from 'node:timers/promises';

export class BatchAbandoned extends Error {
  constructor() {
    super('batch abandoned: the consumer is stopping or lost the partition');
  }
}

/**
 * Errors that mean this member no longer owns its partitions (it was evicted after a long pause,
 * or the group is rebalancing). No retry inside the batch can succeed: they leave it at once so
 * kafkajs rejoins the group, and the batch is read again by whoever owns the partition then.
 */
const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

export const isGroupMembershipError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'type' in error && GROUP_MEMBERSHIP_ERRORS.has(String(error.type));

export interface RetryControl {
  isRunning(): boolean;
  isStale(): boolean;
  heartbeat(): Promise<void>;
  onRetry?: (error: unknown, delayMs: number) => void;
  /** Errors no retry can fix: thrown at once. */
  isPermanent?: (error: unknown) => boolean;
  /** Attempts before the last error is thrown; unbounded by default. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export async function retryWhileRunning<T>(fn: () => Promise<T>, control: RetryControl): Promise<T> {
  const { initialDelayMs = 200, maxDelayMs = 5000 } = control;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (isGroupMembershipError(error) || control.isPermanent?.(error)) throw error;
      if (control.maxAttempts !== undefined && attempt + 1 >= control.maxAttempts) throw error;
      if (!control.isRunning() || control.isStale()) throw new BatchAbandoned();
      const wait = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      control.onRetry?.(error, Math.round(wait));
      // Keep the group membership alive while the store is down, in slices shorter than the session timeout.
      for (let waited = 0; waited < wait; waited += 1000) {
        await delay(Math.min(1000, wait - waited));
        if (!control.isRunning() || control.isStale()) throw new BatchAbandoned();
        await control.heartbeat().catch((heartbeatError: unknown) => {
          if (isGroupMembershipError(heartbeatError)) throw heartbeatError;
        });
      }
    }
  }
}
