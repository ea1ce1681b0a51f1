/**
 * The snooze wake-up: snoozed notifications come back into their feeds and counts at their time,
 * live. Each run wakes every due row in one statement per page of recipients (the store's
 * wakeSnoozed: safe when several instances run it at once, each row woken once) and publishes an
 * `unsnoozed` change per recipient, so every open tab takes the rows back with the counts read
 * after the change.
 *
 * When: every `intervalMs` (SNOOZE_INTERVAL_MS), and at the nearest due time it knows of before
 * the next check: snoozes made on this instance arm a timer for their time (`arm`), and each run
 * asks the store for the nearest due time of any instance's. A snooze wakes within a few
 * milliseconds of its time when this instance knew of it before it fell due, and within one
 * interval otherwise (made on another instance after this one's last check).
 */
import type { Logger } from '../logger.js';
import type { InboxEvent, InboxPubSub, NotificationStore } from './ports.js';
import type { Notification } from './notification.js';
import { inboxKeyString } from './inbox-key.js';

export interface SnoozeJobOptions {
  store: Pick<NotificationStore, 'wakeSnoozed' | 'nextSnoozeDue'>;
  pubsub: Pick<InboxPubSub, 'publishChanged'>;
  intervalMs: number;
  log: Logger;
  now?: () => Date;
  /** Recipients woken per statement; a run goes on while a statement takes this many. */
  recipientsPerRun?: number;
}

export function createSnoozeJob({ store, pubsub, intervalMs, log, now = () => new Date(), recipientsPerRun = 500 }: SnoozeJobOptions) {
  let interval: NodeJS.Timeout | undefined;
  let alarm: NodeJS.Timeout | undefined;
  let alarmAt: number | undefined;
  let started = false;
  let running: Promise<void> | null = null;
  let again = false;

  /** One change per inbox woken (a recipient's in each workspace apart); returns how many recipients. */
  function publishWoken(rows: readonly Notification[]): number {
    const byInbox = new Map<string, Notification[]>();
    for (const row of rows) {
      const key = inboxKeyString({ userId: row.recipientId, workspaceId: row.workspaceId ?? null });
      const list = byInbox.get(key) ?? [];
      list.push(row);
      byInbox.set(key, list);
    }
    for (const notifications of byInbox.values()) {
      const { recipientId: userId, workspaceId } = notifications[0]!;
      const event: InboxEvent = { userId, ...(workspaceId && { workspaceId }), action: 'unsnoozed', ids: notifications.map((n) => n.id), notifications };
      pubsub.publishChanged(event);
    }
    return new Set(rows.map((row) => row.recipientId)).size;
  }

  async function wakeDue(): Promise<void> {
    let woken = 0;
    for (;;) {
      const rows = await store.wakeSnoozed(now(), recipientsPerRun);
      woken += rows.length;
      if (publishWoken(rows) < recipientsPerRun) break;
    }
    if (woken > 0) log.debug({ woken }, 'snoozed notifications woke');
    const next = await store.nextSnoozeDue();
    if (next) arm(next);
  }

  /** One run at a time; a run asked for meanwhile runs once after it. */
  function runOnce(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await wakeDue();
          } catch (error) {
            // The next check tries again; a store outage must not stop the service.
            log.warn({ err: error }, 'snooze wake-up failed');
          }
        } while (again && started);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /**
   * Wake at `until` if that is before the next check (later ones are the checks' to find). Only
   * the nearest time is armed: a later one is found by the run it triggers.
   */
  function arm(until: Date): void {
    if (!started) return;
    const delay = until.getTime() - now().getTime();
    if (delay > intervalMs) return;
    if (alarmAt !== undefined && alarmAt <= until.getTime()) return;
    clearTimeout(alarm);
    alarmAt = until.getTime();
    // One millisecond past the time, so the row is due when the statement compares.
    alarm = setTimeout(() => {
      alarmAt = undefined;
      void runOnce();
    }, Math.max(0, delay) + 1);
    alarm.unref();
  }

  return {
    runOnce,
    arm,
    start() {
      started = true;
      void runOnce();
      interval = setInterval(() => void runOnce(), intervalMs);
      interval.unref();
    },
    async stop() {
      started = false;
      clearInterval(interval);
      clearTimeout(alarm);
      alarmAt = undefined;
      await running;
    },
  };
}

export type SnoozeJob = ReturnType<typeof createSnoozeJob>;
