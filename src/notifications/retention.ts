/** Removes notifications older than the configured age, at start and then periodically. */
import type { Logger } from '../logger.js';
import type { NotificationStore } from './ports.js';

export interface RetentionOptions {
  store: Pick<NotificationStore, 'deleteCreatedBefore'>;
  /** 0 keeps everything. */
  maxAgeDays: number;
  intervalMs: number;
  log: Logger;
  now?: () => Date;
}

export function createRetentionJob({ store, maxAgeDays, intervalMs, log, now = () => new Date() }: RetentionOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;

  function runOnce(): Promise<number> {
    running ??= (async () => {
      try {
        const cutoff = new Date(now().getTime() - maxAgeDays * 24 * 60 * 60 * 1000);
        const removed = await store.deleteCreatedBefore(cutoff);
        if (removed > 0) log.info({ removed, cutoff }, 'retention removed old notifications');
        return removed;
      } catch (error) {
        // The next run tries again; a store outage must not stop the service.
        log.warn({ err: error }, 'retention run failed');
        return 0;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    runOnce,
    start() {
      if (maxAgeDays <= 0) return;
      void runOnce();
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
