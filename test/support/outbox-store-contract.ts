/**
 * The activity outbox, as every store back-end must keep it: each inbox state change writes one
 * row per notification it changed, in its own statement, and nothing when it changed nothing; the
 * relay's claims lease rows in order, one recipient's in order across claimers, and give them
 * back when released or when the lease ran out. Each case uses recipients of its own; the claim
 * cases empty the outbox first (cases of one file run one after another).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActivity, encodeActivity, type ActivityAction } from '../../src/notifications/activity-event.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';

export interface OpenedOutboxStore {
  store: NotificationStore;
  /** The store's database, to read the outbox beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

interface OutboxRow {
  id: string;
  action: ActivityAction;
  notification_id: string;
  kind: string;
  notification_created_at: Date;
  changed_at: Date;
}

const newUser = (): string => `user-${randomUUID()}`;
const LEASE_MS = 60_000;

export function describeOutboxStoreContract(name: string, open: () => Promise<OpenedOutboxStore>): void {
  describe(`${name}: activity outbox`, () => {
    let opened: OpenedOutboxStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    }, 60_000);
    afterAll(() => opened?.dispose());

    const rowsOf = (user: string) =>
      opened.sql.query<OutboxRow>(
        'SELECT id, action, notification_id, kind, notification_created_at, changed_at FROM activity_outbox WHERE user_id = $1 ORDER BY seq',
        [user],
      );

    async function inbox(user: string, count: number, createdAt = new Date('2026-01-02T03:04:05.678Z')) {
      const items: NewNotification[] = Array.from({ length: count }, (_, index) => ({
        id: randomUUID(),
        senderId: 'sender-1',
        recipientId: user,
        kind: index % 2 === 0 ? 'mention' : 'like',
        message: `m${index}`,
        link: null,
        data: null,
        createdAt,
      }));
      return (await store.insertNotifications(items)).map((n) => n.id);
    }

    /** Runs `change` and returns the outbox rows it added for `user`, as [action, notification id]. */
    async function added(user: string, change: () => Promise<unknown>): Promise<[string, string][]> {
      const before = (await rowsOf(user)).length;
      await change();
      return (await rowsOf(user)).slice(before).map((row) => [row.action, row.notification_id]);
    }

    const emptyOutbox = () => opened.sql.query('DELETE FROM activity_outbox');

    it('writes one row per notification each change changed, with its action, and nothing for a change that changed nothing', async () => {
      const user = newUser();
      const [a, b, c] = await inbox(user, 3);
      const at = new Date('2026-03-04T05:06:07.890Z');
      expect(await rowsOf(user)).toEqual([]);

      expect(await added(user, () => store.markSeen(user, [a!], at))).toEqual([['seen', a]]);
      expect(await added(user, () => store.markSeen(user, [a!], at))).toEqual([]);
      expect(await added(user, () => store.markRead(user, [a!, b!], at))).toEqual([['read', a], ['read', b]]);
      expect(await added(user, () => store.markRead(user, [a!, b!], at))).toEqual([]);
      expect(await added(user, () => store.markUnread(user, [a!]))).toEqual([['unread', a]]);
      expect(await added(user, () => store.markUnread(user, [a!]))).toEqual([]);
      // Told per notification it read: a and c were unread, b was read already.
      expect(await added(user, () => store.markAllRead(user, at))).toEqual([['read', a], ['read', c]]);
      expect(await added(user, () => store.markAllRead(user, at))).toEqual([]);
      expect(await added(user, () => store.archive(user, [b!], at))).toEqual([['archived', b]]);
      expect(await added(user, () => store.archive(user, [b!], at))).toEqual([]);
      expect(await added(user, () => store.unarchive(user, [b!]))).toEqual([['unarchived', b]]);
      expect(await added(user, () => store.unarchive(user, [b!]))).toEqual([]);
      const [d, e] = await inbox(user, 2);
      expect(await added(user, () => store.markAllSeen(user, at))).toEqual([['seen', d], ['seen', e]]);
      expect(await added(user, () => store.markAllSeen(user, at))).toEqual([]);
      expect(await added(user, () => store.delete(user, [c!, randomUUID()]))).toEqual([['deleted', c]]);
      expect(await added(user, () => store.delete(user, [c!]))).toEqual([]);
    });

    it('writes nothing for another recipient\'s notifications, nor for ids that match nothing', async () => {
      const [owner, stranger] = [newUser(), newUser()];
      const [a] = await inbox(owner, 1);
      await inbox(stranger, 1);
      const at = new Date();
      for (const change of [
        () => store.markRead(stranger, [a!], at),
        () => store.archive(stranger, [a!], at),
        () => store.markSeen(stranger, [a!], at),
        () => store.delete(stranger, [a!]),
        () => store.markRead(owner, ['not-a-uuid', randomUUID()], at),
      ]) {
        await change();
      }
      expect(await rowsOf(owner)).toEqual([]);
      expect(await rowsOf(stranger)).toEqual([]);
    });

    it('holds what the codec needs: a fresh id per change, the kind, the creation time and the change time', async () => {
      const user = newUser();
      const createdAt = new Date('2026-01-02T03:04:05.678Z');
      const [a, b] = await inbox(user, 2, createdAt);
      const readAt = new Date('2026-03-04T05:06:07.890Z');
      await store.markRead(user, [a!, b!], readAt);
      const startedDeleting = Date.now();
      await store.delete(user, [a!]);
      const rows = await rowsOf(user);
      expect(rows.map((row) => [row.action, row.notification_id, row.kind])).toEqual([
        ['read', a, 'mention'],
        ['read', b, 'like'],
        ['deleted', a, 'mention'],
      ]);
      expect(new Set(rows.map((row) => row.id)).size).toBe(3);
      for (const row of rows) expect(row.notification_created_at).toEqual(createdAt);
      expect(rows.slice(0, 2).map((row) => row.changed_at)).toEqual([readAt, readAt]);
      // A change without a time of its own (unread, unarchive, delete) is told at its transaction's time.
      expect(rows[2]!.changed_at.getTime()).toBeGreaterThanOrEqual(startedDeleting - 1000);
      expect(rows[2]!.changed_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('writes exactly one row when two changes race for one notification', async () => {
      const user = newUser();
      const [a] = await inbox(user, 1);
      const at = new Date();
      const results = await Promise.all(Array.from({ length: 4 }, () => store.markRead(user, [a!], at)));
      expect(results.flat()).toHaveLength(1);
      expect((await rowsOf(user)).map((row) => row.action)).toEqual(['read']);
    });

    describe('claims', () => {
      it('leases the oldest rows in order, as the codec reads them, and deletes what was acknowledged', async () => {
        await emptyOutbox();
        const user = newUser();
        const ids = await inbox(user, 3);
        const at = new Date('2026-03-04T05:06:07.890Z');
        await store.markRead(user, ids, at);
        await store.archive(user, [ids[0]!], at);

        const first = await store.claimActivity(3, LEASE_MS);
        expect(first.map((row) => [row.action, row.notificationId])).toEqual([
          ['read', ids[0]],
          ['read', ids[1]],
          ['read', ids[2]],
        ]);
        for (const { position: _, ...activity } of first) {
          expect(activity.at).toEqual(at);
          const message = encodeActivity(activity);
          expect(message.key).toBe(user);
          expect(decodeActivity(message.value)).toEqual({ ok: true, activity });
        }
        // Leased, and what is left is the same recipient's later change: it waits for them.
        expect(await store.claimActivity(10, LEASE_MS)).toEqual([]);
        await store.deleteActivity(first.map((row) => row.position));
        expect((await rowsOf(user)).map((row) => row.action)).toEqual(['archived']);

        const second = await store.claimActivity(10, LEASE_MS);
        expect(second.map((row) => row.action)).toEqual(['archived']);
        expect(await store.claimActivity(10, LEASE_MS)).toEqual([]);
        await store.deleteActivity(second.map((row) => row.position));
        expect(await rowsOf(user)).toEqual([]);
        expect(await store.activityBacklog()).toEqual({ rows: 0, oldestAt: null });
      });

      it('gives released rows and rows whose lease ran out to the next claim, and says how many wait since when', async () => {
        await emptyOutbox();
        const user = newUser();
        const ids = await inbox(user, 2);
        const at = new Date('2026-03-04T05:06:07.890Z');
        await store.markRead(user, ids, at);
        expect(await store.activityBacklog()).toEqual({ rows: 2, oldestAt: at });

        const leased = await store.claimActivity(10, LEASE_MS);
        expect(leased).toHaveLength(2);
        await store.releaseActivity(leased.map((row) => row.position));
        const again = await store.claimActivity(10, LEASE_MS);
        expect(again.map((row) => row.id)).toEqual(leased.map((row) => row.id));

        // A relay that died holding them: a lease already run out stands for the time passing.
        await store.releaseActivity(again.map((row) => row.position));
        const dead = await store.claimActivity(10, -1);
        expect(dead).toHaveLength(2);
        expect((await store.claimActivity(10, LEASE_MS)).map((row) => row.id)).toEqual(dead.map((row) => row.id));
        await emptyOutbox();
      });

      it('never hands one row to two claimers at once, and claimers racing each other drain every row exactly once', async () => {
        await emptyOutbox();
        const users = [newUser(), newUser(), newUser(), newUser(), newUser()];
        const at = new Date();
        for (const user of users) await store.markRead(user, await inbox(user, 8), at);

        const claimed: string[] = [];
        const claimer = async () => {
          for (;;) {
            const page = await store.claimActivity(3, LEASE_MS);
            if (page.length === 0) return;
            claimed.push(...page.map((row) => row.id));
            await store.deleteActivity(page.map((row) => row.position));
          }
        };
        // A claimer stops at its first empty claim, which it may meet while others hold the last
        // rows: so, rounds of racing claimers until the outbox is empty.
        while ((await store.activityBacklog()).rows > 0) await Promise.all(Array.from({ length: 4 }, claimer));
        expect(claimed).toHaveLength(40);
        expect(new Set(claimed).size).toBe(40);
      });

      it('leaves a recipient\'s later rows while its older ones are leased, and takes other recipients\' meanwhile', async () => {
        await emptyOutbox();
        const [x, y] = [newUser(), newUser()];
        const xs = await inbox(x, 2);
        const ys = await inbox(y, 1);
        const at = new Date();
        await store.markRead(x, [xs[0]!], at);
        await store.markRead(y, ys, at);
        await store.markRead(x, [xs[1]!], at);

        const one = await store.claimActivity(1, LEASE_MS);
        expect(one.map((row) => row.notificationId)).toEqual([xs[0]]);
        // x's second change waits for its first: only y's is free.
        const other = await store.claimActivity(10, LEASE_MS);
        expect(other.map((row) => row.notificationId)).toEqual([ys[0]]);
        await store.deleteActivity(one.map((row) => row.position));
        expect((await store.claimActivity(10, LEASE_MS)).map((row) => row.notificationId)).toEqual([xs[1]]);
        await emptyOutbox();
      });
    });
  });
}
