/**
 * The activity relay: drains the store's activity outbox to the activity topic, a page at a time,
 * in outbox order. A page is leased, produced with acks = all, and deleted only once Kafka
 * acknowledged it; a page Kafka did not take is released and tried again with backoff. So a
 * change the store kept reaches the topic even if the process died just after the commit (its
 * rows wait in the outbox), and a row is never deleted unproduced. A page produced but not yet
 * deleted when the process dies is produced again by the next drain: the same event ids, which
 * readers count once.
 *
 * Producing after the commit, from the request, was the other way: a process dying between the
 * commit and the produce would lose the change for good.
 *
 * Woken after each change this instance commits (wakeOnActivity), so a change is usually on the
 * topic within a produce round-trip; a poll picks up rows left by a crash or committed by another
 * instance whose relay is gone. Several instances may run it on one store: the claims never hand
 * one row to two relays at once (activity-outbox.ts).
 */
import pRetry from 'p-retry';
import { BACKOFF, retryingEveryError } from '../backoff.js';
import type { Logger } from '../logger.js';
import { createOutageLog } from '../outage-log.js';
import type { Activity } from './activity-event.js';
import type { ActivityProducer, NotificationStore } from './ports.js';

export interface ActivityRelayOptions {
  store: Pick<NotificationStore, 'claimActivity' | 'deleteActivity' | 'releaseActivity'>;
  producer: ActivityProducer;
  log: Logger;
  /** Rows per produce request at most. */
  pageSize?: number;
  /** How often the outbox is looked at with no wake-up: rows of another instance, or left by a crash. */
  pollMs?: number;
  /**
   * How long a claimed page is held for this relay. Well above a produce's deadline (the producer
   * answers within its send timeout), so a live relay's page is never taken from it; a dead
   * relay's rows wait this long for another.
   */
  leaseMs?: number;
  /** A page Kafka acknowledged and the outbox let go (metrics). */
  onProduced?: (activities: readonly Activity[]) => void;
}

export function createActivityRelay({ store, producer, log, pageSize = 500, pollMs = 500, leaseMs = 30_000, onProduced = () => {} }: ActivityRelayOptions) {
  // One line when the outbox cannot be drained (Kafka or the store away), one when it drains again.
  const outage = createOutageLog(log, 'Activity relay (changes wait in the outbox)');
  const stopping = new AbortController();
  let woken = false;
  let wakeUp: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  // The page being produced, so that stopping waits for it rather than leaving it leased.
  let inFlight: Promise<unknown> = Promise.resolve();

  async function drainPage(): Promise<number> {
    const page = await store.claimActivity(pageSize, leaseMs);
    if (page.length === 0) return 0;
    const positions = page.map((row) => row.position);
    try {
      await producer.send(page);
    } catch (error) {
      // Maybe written all the same: produced again then, under the same ids.
      await store.releaseActivity(positions).catch(() => {});
      throw error;
    }
    // Should this fail, the rows are produced again once their lease ran out: a duplicate, not a loss.
    await store.deleteActivity(positions);
    onProduced(page);
    return page.length;
  }

  function attempt(): Promise<number> {
    const page = drainPage();
    inFlight = page.catch(() => {});
    return page;
  }

  /** Until woken, the poll interval passed, or stopped. */
  function idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      stopping.signal.addEventListener('abort', done);
      wakeUp = done;
    });
  }

  async function run() {
    while (!stopping.signal.aborted) {
      woken = false;
      let drained: number;
      try {
        drained = await pRetry(retryingEveryError(attempt), {
          ...BACKOFF,
          signal: stopping.signal,
          onFailedAttempt: ({ error }) => outage.failed(error),
        });
      } catch {
        // Retries never end on their own: only stopping gets here.
        return;
      }
      outage.succeeded();
      // A full page: more are waiting. A wake-up meanwhile: a change committed since the claim.
      if (drained < pageSize && !woken) await idle();
    }
  }

  return {
    start() {
      loop ??= run();
    },
    /** A change was committed on this instance: drain now rather than at the next poll. */
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      stopping.abort();
      await loop;
      await inFlight;
    },
  };
}

export type ActivityRelay = ReturnType<typeof createActivityRelay>;
