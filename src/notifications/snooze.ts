/**
 * The snooze wake-up: snoozed notifications come back into their feeds and counts at their time,
 * live. Each run wakes every due row in one statement per page of recipients (the store's
 * wakeSnoozed: safe when several instances run it at once, each row woken once) and publishes an
 * `unsnoozed` change per recipient, so every open tab takes the rows back with the counts read
 * after the change.
 *
 * When: see due-scheduler.ts, every `intervalMs` (SNOOZE_INTERVAL_MS) and at the nearest due
 * time known; snoozes made on this instance arm a timer for their time (`arm`).
 */
import type { Logger } from '../logger.js';
import type { InboxEvent, InboxPubSub, NotificationStore } from './ports.js';
import type { Notification } from './notification.js';
import { createDueScheduler } from './due-scheduler.js';
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

  /** Wakes what is due; answers the nearest time a snooze is due next. */
  async function wakeDue(): Promise<Date | null> {
    try {
      let woken = 0;
      for (;;) {
        const rows = await store.wakeSnoozed(now(), recipientsPerRun);
        woken += rows.length;
        if (publishWoken(rows) < recipientsPerRun) break;
      }
      if (woken > 0) log.debug({ woken }, 'snoozed notifications woke');
      return await store.nextSnoozeDue();
    } catch (error) {
      // The next check tries again; a store outage must not stop the service.
      log.warn({ err: error }, 'snooze wake-up failed');
      return null;
    }
  }

  const scheduler = createDueScheduler({ intervalMs, now, run: wakeDue });
  return {
    runOnce: scheduler.runNow,
    /** A snooze made here: woken at its time if that is before the next check. */
    arm: scheduler.arm,
    start: scheduler.start,
    stop: scheduler.stop,
  };
}

export type SnoozeJob = ReturnType<typeof createSnoozeJob>;
