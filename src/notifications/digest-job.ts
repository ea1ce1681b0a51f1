/**
 * The digest job (issue 17): at the end of each digest period, one summary notification (see
 * digest-summary.ts) to the notification topic, where the inbox consumer stores and pushes it as
 * any other.
 *
 * Each run claims the periods that have ended (the store's claimDueDigests: FOR UPDATE SKIP
 * LOCKED, so with several instances each period is claimed by one), produces their summaries,
 * and marks them closed. A claim is a lease: a closer that dies after producing and before
 * marking is replaced when the lease runs out, and produces the same summaries again, with the
 * same ids, which the inbox stores once. A claimed period takes no more items (they go to the
 * next period), so the summary produced again lists the same items.
 *
 * When: see due-scheduler.ts, every `intervalMs` (DIGEST_INTERVAL_MS) and at the nearest end of a
 * period holding items, which each run asks the store for. `runOnce(at)` runs now as if the clock
 * said `at` (tests close periods without waiting for them; such a run arms nothing).
 */
import type { Logger } from '../logger.js';
import { createDueScheduler } from './due-scheduler.js';
import { buildSummary, DIGEST_ITEMS_MAX } from './digest-summary.js';
import type { NotificationKind } from './notification.js';
import type { NotificationProducer, NotificationStore } from './ports.js';

/** Closed periods and their items are kept this long: a redelivery within it is still recognised. */
export const DIGEST_RETENTION_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface DigestJobOptions {
  store: Pick<NotificationStore, 'claimDueDigests' | 'nextDigestDue' | 'closeDigests' | 'pruneDigests'>;
  producer: Pick<NotificationProducer, 'send'>;
  intervalMs: number;
  /** How long a claim holds before another closer may take the period over: longer than a send may take. */
  leaseMs: number;
  log: Logger;
  now?: () => Date;
  /** Periods claimed per statement; a run goes on while a statement takes this many. */
  periodsPerRun?: number;
  /** Summaries produced, per kind (a summary produced again after a crash counts again; the inbox stores it once). */
  onDelivered?: (kind: NotificationKind, count: number) => void;
}

export function createDigestJob({ store, producer, intervalMs, leaseMs, log, now = () => new Date(), periodsPerRun = 100, onDelivered = () => {} }: DigestJobOptions) {
  let queue: Promise<unknown> = Promise.resolve();
  let prunedAt = 0;

  /** Closes every period due at `at`; answers how many summaries were produced. */
  async function closeDue(at: Date): Promise<number> {
    let produced = 0;
    for (;;) {
      const claimed = await store.claimDueDigests(at, periodsPerRun, leaseMs, DIGEST_ITEMS_MAX);
      if (claimed.length > 0) {
        const summaries = claimed.map(buildSummary);
        // Acknowledged by every in-sync replica before the periods are marked: a failure leaves
        // them claimed, and the lease's end gives them to the next run.
        await producer.send(summaries);
        await store.closeDigests(
          claimed.map((digest) => digest.period),
          at,
        );
        produced += summaries.length;
        const byKind = new Map<NotificationKind, number>();
        for (const summary of summaries) byKind.set(summary.kind, (byKind.get(summary.kind) ?? 0) + 1);
        for (const [kind, count] of byKind) onDelivered(kind, count);
      }
      if (claimed.length < periodsPerRun) break;
    }
    if (at.getTime() - prunedAt >= PRUNE_EVERY_MS) {
      const pruned = await store.pruneDigests(new Date(at.getTime() - DIGEST_RETENTION_MS));
      prunedAt = at.getTime();
      if (pruned > 0) log.debug({ pruned }, 'old digest periods removed');
    }
    if (produced > 0) log.debug({ produced }, 'digest summaries produced');
    return produced;
  }

  /** One close at a time, in the order asked. A failure is logged: the next run tries again. */
  function serially<T>(work: () => Promise<T>, failed: T): Promise<T> {
    const run = queue.then(async () => {
      try {
        return await work();
      } catch (error) {
        log.warn({ err: error }, 'closing digests failed; the next run tries again');
        return failed;
      }
    });
    queue = run;
    return run;
  }

  const scheduler = createDueScheduler({
    intervalMs,
    now,
    run: () =>
      serially(async () => {
        await closeDue(now());
        return store.nextDigestDue();
      }, null),
  });

  return {
    /** Closes what is due at `at` (a test's time: such a run arms nothing) and answers how many summaries were produced. */
    runOnce: (at: Date): Promise<number> => serially(() => closeDue(at), 0),
    start: scheduler.start,
    stop: async () => {
      await scheduler.stop();
      await queue;
    },
  };
}

export type DigestJob = ReturnType<typeof createDigestJob>;
