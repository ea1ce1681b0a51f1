/**
 * Snooze, as every store back-end must keep it (issue 17): a snoozed row leaves the feed, the
 * unread and the unseen counts for a status of its own, and comes back as it left when it wakes
 * or is unsnoozed; the kept counts equal a fresh count after every step. Times are the test's:
 * `until` and the wake-up's `at` are chosen in the past or the future as each case needs.
 * Each case uses recipients of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_STATUSES, type NewNotification, type NotificationStatus } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';
import { countDrift, freshCounts, storedCounts, type Counts } from './inbox-counts.js';

export interface OpenedSnoozeStore {
  store: NotificationStore;
  /** The store's database, for fresh counts beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const newUser = (): string => `user-${randomUUID()}`;
const HOUR = 60 * 60 * 1000;
const later = (base: Date, ms: number): Date => new Date(base.getTime() + ms);

function notification(recipientId: string): NewNotification {
  return { id: randomUUID(), senderId: 'sender-1', recipientId, kind: 'mention', message: 'hello', link: null, data: null, createdAt: new Date() };
}

export function describeSnoozeStoreContract(name: string, open: () => Promise<OpenedSnoozeStore>): void {
  describe(`${name}: snooze`, () => {
    let opened: OpenedSnoozeStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });
    afterEach(async () => {
      expect(await countDrift(opened.sql)).toEqual([]);
    });

    async function inbox(count: number) {
      const user = newUser();
      const stored = await store.insertNotifications(Array.from({ length: count }, () => notification(user)));
      return { user, ids: stored.map((row) => row.id) };
    }

    /** Fresh count, kept count, inboxCounts and every status filter's totalCount all say `expected`. */
    async function expectCounts(user: string, expected: Counts): Promise<void> {
      expect(await freshCounts(opened.sql, user)).toEqual(expected);
      expect(await storedCounts(opened.sql, user)).toEqual(expected);
      expect(await store.inboxCounts(user)).toEqual({ unread: expected.unread, unseen: expected.unseen });
      expect((await store.listNotifications({ userId: user, first: 1 })).totalCount).toBe(expected.unread + expected.read);
      for (const status of NOTIFICATION_STATUSES) {
        const page = await store.listNotifications({ userId: user, first: 100, filter: { status: [status] } });
        expect(page.totalCount, `totalCount of ${status}`).toBe(expected[status] ?? 0);
        expect(page.items.length, `rows of ${status}`).toBe(expected[status] ?? 0);
      }
    }

    async function statusesOf(user: string): Promise<Record<string, NotificationStatus[]>> {
      const result: Record<string, NotificationStatus[]> = {};
      for (const status of NOTIFICATION_STATUSES) {
        const page = await store.listNotifications({ userId: user, first: 100, filter: { status: [status] } });
        for (const item of page.items) (result[item.id] ??= []).push(status);
      }
      return result;
    }

    it('takes a snoozed row out of the feed, the unread and the unseen counts, and lists it under snoozed with its time', async () => {
      const now = new Date();
      const { user, ids } = await inbox(3);
      const [a, b] = ids as [string, string, string];
      await store.markRead(user, [b], now);
      await expectCounts(user, { unread: 2, read: 1, archived: 0, unseen: 2 });

      const until = later(now, HOUR);
      const snoozed = await store.snooze(user, [a, b], until);
      expect(snoozed.map((row) => [row.id, row.snoozedUntil?.toISOString()])).toEqual([
        [a, until.toISOString()],
        [b, until.toISOString()],
      ]);
      await expectCounts(user, { unread: 1, read: 0, archived: 0, snoozed: 2, unseen: 1 });
      const feed = await store.listNotifications({ userId: user, first: 10 });
      expect(feed.items.map((row) => row.id)).toEqual([ids[2]]);
      const [again] = await store.getNotifications([a]);
      expect(again?.snoozedUntil).toEqual(until);
      // Each row in exactly one status.
      expect(Object.values(await statusesOf(user)).every((statuses) => statuses.length === 1)).toBe(true);
    });

    it('gives a snoozed row a new time without moving a count, leaves an archived one alone, and changes nothing of another user', async () => {
      const now = new Date();
      const { user, ids } = await inbox(2);
      const [a, b] = ids as [string, string];
      await store.snooze(user, [a], later(now, HOUR));
      await store.archive(user, [b], now);
      await expectCounts(user, { unread: 0, read: 0, archived: 1, snoozed: 1, unseen: 0 });

      const retimed = await store.snooze(user, [a, b], later(now, 2 * HOUR));
      expect(retimed.map((row) => [row.id, row.snoozedUntil?.toISOString()])).toEqual([[a, later(now, 2 * HOUR).toISOString()]]);
      await expectCounts(user, { unread: 0, read: 0, archived: 1, snoozed: 1, unseen: 0 });

      const other = await inbox(1);
      expect(await store.snooze(user, other.ids, later(now, HOUR))).toEqual([]);
      expect(await store.unsnooze(other.user, [a])).toEqual([]);
      await expectCounts(other.user, { unread: 1, read: 0, archived: 0, unseen: 1 });
      expect(await store.snooze(user, [], later(now, HOUR))).toEqual([]);
    });

    it('unsnoozes a row back as it left: unread and unseen again, or read', async () => {
      const now = new Date();
      const { user, ids } = await inbox(3);
      const [a, b, c] = ids as [string, string, string];
      await store.markRead(user, [b], now);
      await store.markSeen(user, [c], now);
      await store.snooze(user, ids, later(now, HOUR));
      await expectCounts(user, { unread: 0, read: 0, archived: 0, snoozed: 3, unseen: 0 });

      const back = await store.unsnooze(user, [a, b, c]);
      expect(back.map((row) => row.snoozedUntil)).toEqual([null, null, null]);
      await expectCounts(user, { unread: 2, read: 1, archived: 0, unseen: 1 });
      expect(await store.unsnooze(user, [a])).toEqual([]);
      await expectCounts(user, { unread: 2, read: 1, archived: 0, unseen: 1 });
    });

    it('wakes only the rows due at the given time, once each, and tells the nearest due time', async () => {
      const now = new Date();
      const { user, ids } = await inbox(3);
      const [a, b] = ids as [string, string, string];
      await store.snooze(user, [a], later(now, 1000));
      await store.snooze(user, [b], later(now, 3000));
      expect((await store.nextSnoozeDue())?.getTime()).toBeLessThanOrEqual(later(now, 1000).getTime());

      // Not yet due: nothing wakes.
      expect((await store.wakeSnoozed(later(now, 999), 100)).filter((row) => row.recipientId === user)).toEqual([]);
      await expectCounts(user, { unread: 1, read: 0, archived: 0, snoozed: 2, unseen: 1 });

      const woken = (await store.wakeSnoozed(later(now, 1000), 100)).filter((row) => row.recipientId === user);
      expect(woken.map((row) => [row.id, row.snoozedUntil])).toEqual([[a, null]]);
      await expectCounts(user, { unread: 2, read: 0, archived: 0, snoozed: 1, unseen: 2 });
      expect((await store.wakeSnoozed(later(now, 1000), 100)).filter((row) => row.recipientId === user)).toEqual([]);

      const rest = (await store.wakeSnoozed(later(now, 5000), 100)).filter((row) => row.recipientId === user);
      expect(rest.map((row) => row.id)).toEqual([b]);
      await expectCounts(user, { unread: 3, read: 0, archived: 0, unseen: 3 });
      const feed = await store.listNotifications({ userId: user, first: 10 });
      expect(new Set(feed.items.map((row) => row.id))).toEqual(new Set(ids));
    });

    it('wakes each due row once when several wake-ups run at once, recipients ordered, at most the limit per call', async () => {
      const now = new Date();
      const inboxes = await Promise.all([inbox(3), inbox(3), inbox(3), inbox(3)]);
      for (const { user, ids } of inboxes) await store.snooze(user, ids, later(now, 1000));
      const at = later(now, 2000);
      const mine = new Set(inboxes.map((each) => each.user));

      const limited = (await store.wakeSnoozed(at, 1)).filter((row) => mine.has(row.recipientId));
      expect(new Set(limited.map((row) => row.recipientId)).size).toBeLessThanOrEqual(1);

      const calls = await Promise.all(Array.from({ length: 4 }, () => store.wakeSnoozed(at, 100)));
      const woken = [...limited, ...calls.flat()].filter((row) => mine.has(row.recipientId)).map((row) => row.id);
      expect(woken.length).toBe(12);
      expect(new Set(woken)).toEqual(new Set(inboxes.flatMap((each) => each.ids)));
      for (const { user } of inboxes) await expectCounts(user, { unread: 3, read: 0, archived: 0, unseen: 3 });
    });

    it('archives a snoozed row (archive wins; unarchived before its time it is snoozed again, after it wakes archived)', async () => {
      const now = new Date();
      const { user, ids } = await inbox(2);
      const [a, b] = ids as [string, string];
      await store.snooze(user, [a, b], later(now, 1000));
      await store.archive(user, [a, b], now);
      await expectCounts(user, { unread: 0, read: 0, archived: 2, unseen: 0 });

      await store.unarchive(user, [a]);
      await expectCounts(user, { unread: 0, read: 0, archived: 1, snoozed: 1, unseen: 0 });

      // Both wake; the archived one stays archived, and no count moves for it.
      const woken = (await store.wakeSnoozed(later(now, 2000), 100)).filter((row) => row.recipientId === user);
      expect(new Set(woken.map((row) => row.id))).toEqual(new Set([a, b]));
      expect(woken.find((row) => row.id === b)?.archivedAt).not.toBeNull();
      // Unarchived, it was seen (archive implies seen): it comes back unread but not unseen.
      await expectCounts(user, { unread: 1, read: 0, archived: 1, unseen: 0 });
    });

    it('reads a snoozed row by id and keeps it snoozed (it wakes read); all read and all seen pass over snoozed rows', async () => {
      const now = new Date();
      const { user, ids } = await inbox(3);
      const [a, b, c] = ids as [string, string, string];
      await store.snooze(user, [a, b], later(now, 1000));

      const read = await store.markRead(user, [a], now);
      expect(read.map((row) => [row.id, row.readAt !== null, row.snoozedUntil !== null])).toEqual([[a, true, true]]);
      await expectCounts(user, { unread: 1, read: 0, archived: 0, snoozed: 2, unseen: 1 });

      expect(await store.markAllRead(user, now)).toBe(1);
      expect(await store.markAllSeen(user, now)).toBe(0);
      await expectCounts(user, { unread: 0, read: 1, archived: 0, snoozed: 2, unseen: 0 });
      // Seen explicitly while snoozed: it stays out of the unseen count when it wakes.
      expect((await store.markSeen(user, [b], now)).map((row) => row.id)).toEqual([b]);
      await expectCounts(user, { unread: 0, read: 1, archived: 0, snoozed: 2, unseen: 0 });

      await store.wakeSnoozed(later(now, 2000), 100);
      // a wakes read, b unread and seen, c stayed read.
      await expectCounts(user, { unread: 1, read: 2, archived: 0, unseen: 0 });
      const [rowC] = await store.getNotifications([c]);
      expect(rowC?.snoozedUntil).toBeNull();
    });

    it('counts a snoozed row through unread, delete and retention', async () => {
      const now = new Date();
      const { user, ids } = await inbox(3);
      const [a, b] = ids as [string, string, string];
      await store.markRead(user, [a], now);
      await store.snooze(user, [a, b], later(now, HOUR));
      await store.markUnread(user, [a]);
      await expectCounts(user, { unread: 1, read: 0, archived: 0, snoozed: 2, unseen: 1 });
      await store.delete(user, [a]);
      await expectCounts(user, { unread: 1, read: 0, archived: 0, snoozed: 1, unseen: 1 });
      await store.deleteCreatedBefore(later(new Date(), 1000));
      await expectCounts(user, { unread: 0, read: 0, archived: 0, unseen: 0 });
    });
  });
}
