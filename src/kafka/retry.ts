/** Retrying a step of a batch for as long as the consumer still owns the batch. */
import { setTimeout as delay } from 'node:timers/promises';

export class BatchAbandoned extends Error {
  constructor() {
    super('batch abandoned: the consumer is stopping or lost the partition');
  }
}

export interface RetryControl {
  isRunning(): boolean;
  isStale(): boolean;
  heartbeat(): Promise<void>;
  onRetry?: (error: unknown, delayMs: number) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export async function retryWhileRunning<T>(fn: () => Promise<T>, control: RetryControl): Promise<T> {
  const { initialDelayMs = 200, maxDelayMs = 5000 } = control;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!control.isRunning() || control.isStale()) throw new BatchAbandoned();
      const wait = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      control.onRetry?.(error, Math.round(wait));
      // Keep the group membership alive while the store is down, in slices shorter than the session timeout.
      for (let waited = 0; waited < wait; waited += 1000) {
        await delay(Math.min(1000, wait - waited));
        if (!control.isRunning() || control.isStale()) throw new BatchAbandoned();
        await control.heartbeat().catch(() => {});
      }
    }
  }
}
