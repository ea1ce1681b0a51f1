/**
 * The behaviour every store back-end must show, run against PGlite and real PostgreSQL alike.
 * One store per back-end; each case isolates itself with fresh recipient ids.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreRefused } from '../../src/notifications/errors.js';
import type { NewNotification, Notification, NotificationStatus } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import { runMigrations, type Migration } from '../../src/store/migrations.js';
import { migrations } from '../../src/store/migrations/index.js';
import { createNotificationStore } from '../../src/store/notification-store.js';
import type { SqlClient, SqlQuery } from '../../src/store/sql-client.js';
import { countDrift, freshCounts, storedCounts, type Counts } from './inbox-counts.js';

export interface OpenedStore {
  store: NotificationStore;
  /** The store's database, for test-only reads (fresh counts) beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

export interface OpenedSql {
  sql: SqlClient;
  dispose(): Promise<void>;
}

const newUser = (): string => `user-${randomUUID()}`;

function notification(recipientId: string, overrides: Partial<NewNotification> = {}): NewNotification {
  return {
    id: randomUUID(),
    senderId: 'sender-1',
    recipientId,
    kind: 'mention',
    message: 'hello',
    link: null,
    data: null,
    createdAt: new Date(),
    ...overrides,
  };
}

const seqs = (items: readonly Notification[]): number[] => items.map((item) => item.seq);
const ids = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);

function expectStrictlyIncreasing(values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] as number);
}

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`NotificationStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });
    // Whatever a case did, no recipient's kept counts may differ from a fresh count.
    afterEach(async () => {
      expect(await countDrift(opened.sql)).toEqual([]);
    });

    const STATUS_SETS: readonly (readonly NotificationStatus[])[] = [
      [],
      ['unread'],
      ['read'],
      ['archived'],
      ['unread', 'read'],
      ['unread', 'archived'],
      ['read', 'archived'],
      ['unread', 'read', 'archived'],
    ];

    /**
     * `user`'s rows, counted afresh, are `expected`; the kept counts, unreadCount, inboxCounts and
     * the totalCount of every status filter say the same; and no recipient anywhere has drifted.
     */
    async function expectCounts(user: string, expected: Counts): Promise<void> {
      expect(await freshCounts(opened.sql, user)).toEqual(expected);
      expect((await storedCounts(opened.sql, user)) ?? { unread: 0, read: 0, archived: 0, unseen: 0 }).toEqual(expected);
      expect(await store.unreadCount(user)).toBe(expected.unread);
      expect(await store.inboxCounts(user)).toEqual({ unread: expected.unread, unseen: expected.unseen });
      expect((await store.listNotifications({ userId: user, first: 1 })).totalCount).toBe(expected.unread + expected.read);
      for (const status of STATUS_SETS) {
        const page = await store.listNotifications({ userId: user, first: 1, filter: { status } });
        expect(page.totalCount, `totalCount of ${status.join('+') || 'no status'}`).toBe(
          status.reduce((sum, each) => sum + (expected[each] ?? 0), 0),
        );
      }
      expect(await countDrift(opened.sql)).toEqual([]);
    }

    /** A recipient with `count` notifications, seq ascending with creation. */
    async function inbox(count: number, make: (index: number) => Partial<NewNotification> = () => ({})) {
      const user = newUser();
      const stored = await store.insertNotifications(
        Array.from({ length: count }, (_, index) => notification(user, make(index))),
      );
      return { user, stored };
    }

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('insertNotifications', () => {
      it('returns the inserted rows in input order, with seq and no read state', async () => {
        const user = newUser();
        const input = [notification(user, { message: 'one' }), notification(user, { message: 'two' })];
        const stored = await store.insertNotifications(input);
        expect(stored).toEqual(input.map((item, index) => ({ ...item, seq: index + 1, readAt: null, archivedAt: null, seenAt: null, snoozedUntil: null, actions: [], pressedAction: null })));
      });

      it('refuses a row it can never hold with StoreRefused, and stores nothing of that batch', async () => {
        const user = newUser();
        // Got past no decoder of ours; another producer or an older version could still write it.
        const bad = notification(user, { data: { x: '\ud800' } });
        const error = await store.insertNotifications([notification(user), bad]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreRefused);
        expect((error as StoreRefused).code).toMatch(/^22/);
        await expect(store.listNotifications({ userId: user, first: 10 })).resolves.toMatchObject({ items: [] });
        await expect(store.insertNotifications([notification(user)])).resolves.toHaveLength(1);
      });

      it('returns nothing for an empty batch', async () => {
        await expect(store.insertNotifications([])).resolves.toEqual([]);
      });

      it('stores a redelivered batch once and returns only the rows it actually inserted', async () => {
        const user = newUser();
        const [a, b, c] = [notification(user), notification(user), notification(user)];
        expect(ids(await store.insertNotifications([a, b]))).toEqual([a.id, b.id]);
        expect(ids(await store.insertNotifications([a, b, c]))).toEqual([c.id]);
        expect(await store.insertNotifications([a, b, c])).toEqual([]);
        const page = await store.listNotifications({ userId: user, first: 10 });
        expect(page.totalCount).toBe(3);
        expect(ids(page.items)).toEqual([c.id, b.id, a.id]);
      });

      it('stores an id repeated within one batch once', async () => {
        const user = newUser();
        const a = notification(user);
        const stored = await store.insertNotifications([a, { ...a, message: 'again' }, notification(user)]);
        expect(stored).toHaveLength(2);
        expect(stored[0]?.message).toBe(a.message);
        expect((await store.listNotifications({ userId: user })).totalCount).toBe(2);
      });

      it('treats an upper-case spelling of a stored uuid as the same notification', async () => {
        const user = newUser();
        const a = notification(user);
        await store.insertNotifications([a]);
        expect(await store.insertNotifications([{ ...a, id: a.id.toUpperCase() }])).toEqual([]);
      });

      it('numbers each recipient on its own, in input order within a batch', async () => {
        const [alice, bob] = [newUser(), newUser()];
        const first = await store.insertNotifications([
          notification(alice),
          notification(bob),
          notification(alice),
          notification(bob),
          notification(alice),
        ]);
        const ofAlice = first.filter((item) => item.recipientId === alice);
        const ofBob = first.filter((item) => item.recipientId === bob);
        expect(seqs(ofAlice)).toEqual([1, 2, 3]);
        expect(seqs(ofBob)).toEqual([1, 2]);

        const second = await store.insertNotifications([notification(bob), notification(alice)]);
        expect(second.map((item) => [item.recipientId, item.seq])).toEqual([
          [bob, 3],
          [alice, 4],
        ]);
      });

      it('gives concurrent batches of one recipient distinct seqs that grow within each batch', async () => {
        const user = newUser();
        const batches = Array.from({ length: 4 }, () => Array.from({ length: 25 }, () => notification(user)));
        const results = await Promise.all(batches.map((batch) => store.insertNotifications(batch)));

        results.forEach((stored, index) => {
          expect(ids(stored)).toEqual(ids(batches[index] ?? []));
          expectStrictlyIncreasing(seqs(stored));
        });
        const all = results.flat();
        expect(new Set(seqs(all)).size).toBe(100);
        // Batches do not interleave: each took the recipient's counter for its whole transaction.
        for (const stored of results) expect((stored.at(-1)?.seq ?? 0) - (stored[0]?.seq ?? 0)).toBe(24);

        const replay = await store.listNotificationsAfter(user, 0, 1000);
        expect(replay).toHaveLength(100);
        expectStrictlyIncreasing(seqs(replay));
      });

      it('returns each row once when the same batch is delivered twice at the same time', async () => {
        const user = newUser();
        const batch = Array.from({ length: 20 }, () => notification(user));
        const [left, right] = await Promise.all([store.insertNotifications(batch), store.insertNotifications(batch)]);
        expect([...ids(left), ...ids(right)].sort()).toEqual(ids(batch).sort());
        expect((await store.listNotifications({ userId: user, first: 100 })).totalCount).toBe(20);
      });

      it('stores a batch of hundreds across recipients', async () => {
        const users = Array.from({ length: 10 }, newUser);
        const batch = Array.from({ length: 500 }, (_, index) => notification(users[index % users.length] as string));
        const stored = await store.insertNotifications(batch);
        expect(ids(stored)).toEqual(ids(batch));
        for (const user of users) {
          expect(seqs(stored.filter((item) => item.recipientId === user))).toEqual(
            Array.from({ length: 50 }, (_, index) => index + 1),
          );
        }
      });

      it('round-trips data, link, sender and timestamps', async () => {
        const user = newUser();
        const createdAt = new Date('2024-02-29T23:59:58.123Z');
        const input = [
          notification(user, {
            data: { post: { id: 'p1', tags: ['a', 'b'] }, score: 1.5, ok: true, none: null, quote: 'it\'s "x"' },
            link: 'https://example.com/posts/p1?x=1&y=2',
            createdAt,
          }),
          notification(user, { data: [1, 'two', { three: 3 }], senderId: null, kind: 'system' }),
          notification(user, { data: 'just a string', message: 'ünïcødé ✓ \u{1F600}' }),
          notification(user, { data: 0 }),
        ];
        const stored = await store.insertNotifications(input);
        const fetched = await store.getNotifications(ids(input));
        for (const [index, item] of input.entries()) {
          expect(stored[index]).toMatchObject(item);
          expect(fetched[index]).toEqual(stored[index]);
        }
        expect(fetched[0]?.createdAt).toBeInstanceOf(Date);
        expect(fetched[0]?.createdAt.toISOString()).toBe(createdAt.toISOString());
        expect(typeof fetched[0]?.seq).toBe('number');
      });
    });

    describe('listNotifications', () => {
      it('pages towards older rows with first/after, newest first', async () => {
        const { user } = await inbox(10);
        const first = await store.listNotifications({ userId: user, first: 3 });
        expect(seqs(first.items)).toEqual([10, 9, 8]);
        expect(first).toMatchObject({ hasNextPage: true, hasPreviousPage: false, totalCount: 10 });

        const second = await store.listNotifications({ userId: user, first: 3, after: 8 });
        expect(seqs(second.items)).toEqual([7, 6, 5]);
        expect(second).toMatchObject({ hasNextPage: true, hasPreviousPage: true, totalCount: 10 });

        const last = await store.listNotifications({ userId: user, first: 3, after: 2 });
        expect(seqs(last.items)).toEqual([1]);
        expect(last).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

        const exact = await store.listNotifications({ userId: user, first: 10 });
        expect(exact.items).toHaveLength(10);
        expect(exact).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      });

      it('skips the count when asked to, and pages the same', async () => {
        const { user } = await inbox(5);
        const counted = await store.listNotifications({ userId: user, first: 2, after: 4 });
        const uncounted = await store.listNotifications({ userId: user, first: 2, after: 4, countTotal: false });
        expect(uncounted).toEqual({ ...counted, totalCount: null });
        expect(counted.totalCount).toBe(5);
        // Without a cursor the summary needs no filter at all.
        const plain = await store.listNotifications({ userId: user, first: 2, countTotal: false });
        expect(seqs(plain.items)).toEqual([5, 4]);
        expect(plain).toMatchObject({ hasNextPage: true, hasPreviousPage: false, totalCount: null });
      });

      it('pages towards newer rows with last/before, still newest first', async () => {
        const { user } = await inbox(10);
        const page = await store.listNotifications({ userId: user, last: 3, before: 5 });
        expect(seqs(page.items)).toEqual([8, 7, 6]);
        expect(page).toMatchObject({ hasPreviousPage: true, hasNextPage: true, totalCount: 10 });

        const top = await store.listNotifications({ userId: user, last: 3, before: 8 });
        expect(seqs(top.items)).toEqual([10, 9]);
        expect(top).toMatchObject({ hasPreviousPage: false, hasNextPage: true });

        const oldest = await store.listNotifications({ userId: user, last: 3 });
        expect(seqs(oldest.items)).toEqual([3, 2, 1]);
        expect(oldest).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      });

      it('takes first, then last, between both cursors', async () => {
        const { user } = await inbox(10);
        const page = await store.listNotifications({ userId: user, after: 9, before: 2, first: 5, last: 2 });
        expect(seqs(page.items)).toEqual([5, 4]);
        expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      });

      it('returns a bounded default page when neither first nor last is given', async () => {
        const { user } = await inbox(25);
        const page = await store.listNotifications({ userId: user });
        expect(page.items).toHaveLength(20);
        expect(seqs(page.items)[0]).toBe(25);
        expect(page).toMatchObject({ hasNextPage: true, totalCount: 25 });
      });

      it('keeps paging stable when newer rows arrive between pages', async () => {
        const { user } = await inbox(6);
        const first = await store.listNotifications({ userId: user, first: 3 });
        expect(seqs(first.items)).toEqual([6, 5, 4]);

        await store.insertNotifications([notification(user), notification(user)]);

        const second = await store.listNotifications({ userId: user, first: 3, after: 4 });
        expect(seqs(second.items)).toEqual([3, 2, 1]);
        expect(second).toMatchObject({ hasNextPage: false, hasPreviousPage: true, totalCount: 8 });

        const newer = await store.listNotifications({ userId: user, last: 10, before: 6 });
        expect(seqs(newer.items)).toEqual([8, 7]);
        expect(newer).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
      });

      it('answers an empty inbox', async () => {
        const page = await store.listNotifications({ userId: newUser(), first: 5, after: 3 });
        expect(page).toEqual({ items: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0, lastSeq: 0 });
      });

      it('tells the newest seq with every page, whatever the filter or the page', async () => {
        const { user, stored } = await inbox(4);
        const newest = Math.max(...stored.map((n) => n.seq));
        const pages = await Promise.all([
          store.listNotifications({ userId: user, first: 2 }),
          store.listNotifications({ userId: user, first: 2, after: newest - 1 }),
          store.listNotifications({ userId: user, first: 2, filter: { kind: ['system'] } }),
          store.listNotifications({ userId: user, first: 2, filter: { status: ['archived'] } }),
        ]);
        expect(pages.map((page) => page.lastSeq)).toEqual([newest, newest, newest, newest]);
        expect(pages[2]!.items).toEqual([]);
      });

      it('shows unread and read by default and hides archived', async () => {
        const { user, stored } = await inbox(6);
        const [n1, n2, n3, n4] = stored;
        const at = new Date();
        await store.markRead(user, ids([n1, n2, n3] as Notification[]), at);
        await store.archive(user, ids([n3, n4] as Notification[]), at);
        // unread: 6, 5; read: 2, 1; archived: 4 (unread), 3 (read)

        const byDefault = await store.listNotifications({ userId: user, first: 10 });
        expect(seqs(byDefault.items)).toEqual([6, 5, 2, 1]);
        expect(byDefault.totalCount).toBe(4);

        const query = (status: Parameters<typeof store.listNotifications>[0]['filter']) =>
          store.listNotifications({ userId: user, first: 10, filter: status }).then((page) => seqs(page.items));
        expect(await query({ status: ['unread'] })).toEqual([6, 5]);
        expect(await query({ status: ['read'] })).toEqual([2, 1]);
        expect(await query({ status: ['archived'] })).toEqual([4, 3]);
        expect(await query({ status: ['unread', 'archived'] })).toEqual([6, 5, 4, 3]);
        expect(await query({ status: ['read', 'unread'] })).toEqual([6, 5, 2, 1]);
        expect(await query({ status: ['archived', 'read', 'unread'] })).toEqual([6, 5, 4, 3, 2, 1]);
        expect(await query({ status: [] })).toEqual([]);
      });

      it('filters by kind, alone and with status, and counts the filter ignoring paging', async () => {
        const kinds = ['like', 'mention', 'like', 'follow', 'like', 'comment'] as const;
        const { user, stored } = await inbox(6, (index) => ({ kind: kinds[index] }));
        await store.markRead(user, [stored[0]?.id as string], new Date());

        const likes = await store.listNotifications({ userId: user, first: 1, filter: { kind: ['like'] } });
        expect(seqs(likes.items)).toEqual([5]);
        expect(likes).toMatchObject({ totalCount: 3, hasNextPage: true, hasPreviousPage: false });

        const olderLikes = await store.listNotifications({ userId: user, first: 5, after: 5, filter: { kind: ['like'] } });
        expect(seqs(olderLikes.items)).toEqual([3, 1]);
        expect(olderLikes).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

        const unreadLikes = await store.listNotifications({
          userId: user,
          first: 10,
          filter: { kind: ['like', 'follow'], status: ['unread'] },
        });
        expect(seqs(unreadLikes.items)).toEqual([5, 4, 3]);
        expect(unreadLikes.totalCount).toBe(3);

        const comments = await store.listNotifications({ userId: user, first: 5, after: 6, filter: { kind: ['comment'] } });
        expect(comments).toMatchObject({ items: [], hasPreviousPage: true, hasNextPage: false, totalCount: 1 });
        // Newer rows exist, but none of this kind: there is no previous page.
        const mentions = await store.listNotifications({ userId: user, first: 5, after: 3, filter: { kind: ['mention'] } });
        expect(seqs(mentions.items)).toEqual([2]);
        expect(mentions).toMatchObject({ hasPreviousPage: false, hasNextPage: false, totalCount: 1 });
      });
    });

    describe('listNotificationsAfter', () => {
      it('replays oldest first after a seq, archived included, up to the limit', async () => {
        const { user, stored } = await inbox(6);
        await store.archive(user, [stored[3]?.id as string], new Date());
        expect(seqs(await store.listNotificationsAfter(user, 2, 3))).toEqual([3, 4, 5]);
        expect(seqs(await store.listNotificationsAfter(user, 2, 100))).toEqual([3, 4, 5, 6]);
        expect(await store.listNotificationsAfter(user, 6, 100)).toEqual([]);
        expect(await store.listNotificationsAfter(newUser(), 0, 100)).toEqual([]);
      });
    });

    describe('lastSeqs', () => {
      it('is each recipient’s newest seq stored, in the order asked, 0 for an empty inbox, whatever was deleted since', async () => {
        const { user, stored } = await inbox(4);
        const other = newUser();
        expect(await store.lastSeqs([user, other])).toEqual([4, 0]);
        await store.delete(user, [stored[3]?.id as string]);
        expect(await store.lastSeqs([other, user, user])).toEqual([0, 4, 4]);
        expect(await store.lastSeqs([])).toEqual([]);
      });
    });

    describe('getNotifications', () => {
      it('finds rows of any recipient in the order asked, skipping unknown and malformed ids', async () => {
        const a = (await inbox(1)).stored[0] as Notification;
        const b = (await inbox(1)).stored[0] as Notification;
        const found = await store.getNotifications([b.id, randomUUID(), 'not-a-uuid', a.id.toUpperCase()]);
        expect(found).toEqual([b, a]);
        expect(await store.getNotifications([])).toEqual([]);
      });
    });

    describe('read state', () => {
      it('counts unread, not archived', async () => {
        const { user, stored } = await inbox(5);
        expect(await store.unreadCount(user)).toBe(5);
        await store.markRead(user, [stored[0]?.id as string], new Date());
        await store.archive(user, [stored[1]?.id as string], new Date());
        expect(await store.unreadCount(user)).toBe(3);
        expect(await store.unreadCount(newUser())).toBe(0);
      });

      it('marks read only what is unread, and unread only what is read', async () => {
        const { user, stored } = await inbox(3);
        const at = new Date('2025-01-02T03:04:05.678Z');
        const read = await store.markRead(user, [stored[2]?.id as string, stored[0]?.id as string], at);
        expect(ids(read)).toEqual([stored[2]?.id, stored[0]?.id]);
        expect(read.every((item) => item.readAt?.getTime() === at.getTime())).toBe(true);
        expect(await store.markRead(user, [stored[0]?.id as string], new Date())).toEqual([]);

        const unread = await store.markUnread(user, ids(stored));
        expect(ids(unread)).toEqual([stored[0]?.id, stored[2]?.id]);
        expect(unread.every((item) => item.readAt === null)).toBe(true);
        expect(await store.markUnread(user, ids(stored))).toEqual([]);
        expect(await store.unreadCount(user)).toBe(3);
      });

      it('marks all read and returns how many changed', async () => {
        const { user, stored } = await inbox(4);
        const other = await inbox(2);
        await store.markRead(user, [stored[0]?.id as string], new Date());
        await store.archive(user, [stored[1]?.id as string], new Date());
        expect(await store.markAllRead(user, new Date())).toBe(2);
        expect(await store.unreadCount(user)).toBe(0);
        expect(await store.markAllRead(user, new Date())).toBe(0);
        expect(await store.unreadCount(other.user)).toBe(2);
      });

      it('archives once and hides the row from the default view', async () => {
        const { user, stored } = await inbox(2);
        const at = new Date();
        const archived = await store.archive(user, ids(stored), at);
        expect(archived.map((item) => item.archivedAt?.getTime())).toEqual([at.getTime(), at.getTime()]);
        expect(await store.archive(user, ids(stored), new Date())).toEqual([]);
        expect((await store.listNotifications({ userId: user, first: 10 })).totalCount).toBe(0);
      });

      it('deletes and returns the ids deleted', async () => {
        const { user, stored } = await inbox(3);
        const gone = [stored[1]?.id as string, stored[0]?.id as string];
        expect(await store.delete(user, [...gone, randomUUID(), 'nonsense'])).toEqual(gone);
        expect(await store.delete(user, gone)).toEqual([]);
        expect(ids(await store.getNotifications(ids(stored)))).toEqual([stored[2]?.id]);
      });

      it("changes nothing when the ids belong to another user", async () => {
        const owner = await inbox(2);
        const intruder = newUser();
        const theirs = ids(owner.stored);
        expect(await store.markRead(intruder, theirs, new Date())).toEqual([]);
        expect(await store.archive(intruder, theirs, new Date())).toEqual([]);
        expect(await store.delete(intruder, theirs)).toEqual([]);
        expect(await store.markAllRead(intruder, new Date())).toBe(0);
        expect(await store.markSeen(intruder, theirs, new Date())).toEqual([]);
        expect(await store.markAllSeen(intruder, new Date())).toBe(0);
        expect(await store.getNotifications(theirs)).toEqual(owner.stored);

        await store.markRead(owner.user, theirs, new Date());
        expect(await store.markUnread(intruder, theirs)).toEqual([]);
        expect(await store.unreadCount(owner.user)).toBe(0);
      });

      it('does nothing for an empty id list', async () => {
        const user = newUser();
        expect(await store.markRead(user, [], new Date())).toEqual([]);
        expect(await store.markUnread(user, [])).toEqual([]);
        expect(await store.archive(user, [], new Date())).toEqual([]);
        expect(await store.delete(user, [])).toEqual([]);
        expect(await store.markSeen(user, [], new Date())).toEqual([]);
        expect(await store.unarchive(user, [])).toEqual([]);
      });
    });

    describe('seen state', () => {
      const time = (iso: string) => new Date(iso);

      it('marks seen only what is unseen, and reading or archiving makes a row seen', async () => {
        const { user, stored } = await inbox(4);
        const [n1, n2, n3, n4] = ids(stored) as [string, string, string, string];
        const seenAt = time('2025-03-01T10:00:00.000Z');
        const seen = await store.markSeen(user, [n2, n1, randomUUID(), 'nonsense'], seenAt);
        expect(ids(seen)).toEqual([n2, n1]);
        expect(seen.map((row) => row.seenAt?.getTime())).toEqual([seenAt.getTime(), seenAt.getTime()]);
        expect(seen.every((row) => row.readAt === null)).toBe(true);
        expect(await store.markSeen(user, [n1, n2], new Date())).toEqual([]);

        // Read implies seen: at the read time when it was unseen, at the earlier time when it was seen.
        const readAt = time('2025-03-01T11:00:00.000Z');
        const read = await store.markRead(user, [n1, n3], readAt);
        expect(read.map((row) => [row.id, row.seenAt?.getTime()])).toEqual([
          [n1, seenAt.getTime()],
          [n3, readAt.getTime()],
        ]);
        expect(await store.markSeen(user, [n3], new Date())).toEqual([]);

        // Unread again stays seen.
        const [unread] = await store.markUnread(user, [n3]);
        expect(unread).toMatchObject({ id: n3, readAt: null });
        expect(unread?.seenAt?.getTime()).toBe(readAt.getTime());

        // Archived implies seen, and stays seen once unarchived, with its read state kept.
        const archivedAt = time('2025-03-01T12:00:00.000Z');
        await store.archive(user, [n4, n1], archivedAt);
        expect(await store.markSeen(user, [n4], new Date())).toEqual([]);
        const back = await store.unarchive(user, [n4, n1, n2]);
        expect(back.map((row) => [row.id, row.archivedAt, row.readAt?.getTime() ?? null, row.seenAt?.getTime()])).toEqual([
          [n4, null, null, archivedAt.getTime()],
          [n1, null, readAt.getTime(), seenAt.getTime()],
        ]);
        expect(await store.unarchive(user, [n4, n1])).toEqual([]);

        expect(await store.getNotifications([n1, n2, n3, n4])).toEqual(
          (await store.listNotifications({ userId: user, first: 10 })).items.reverse(),
        );
      });

      it('marks all seen, returns how many, and a later arrival is unseen', async () => {
        const { user, stored } = await inbox(5);
        const other = await inbox(2);
        await store.markRead(user, [stored[0]?.id as string], new Date());
        await store.archive(user, [stored[1]?.id as string], new Date());
        await store.markSeen(user, [stored[2]?.id as string], new Date());
        await expectCounts(user, { unread: 3, read: 1, archived: 1, unseen: 2 });

        expect(await store.markAllSeen(user, new Date())).toBe(2);
        expect(await store.markAllSeen(user, new Date())).toBe(0);
        await expectCounts(user, { unread: 3, read: 1, archived: 1, unseen: 0 });
        await expectCounts(other.user, { unread: 2, read: 0, archived: 0, unseen: 2 });

        const [arrived] = await store.insertNotifications([notification(user)]);
        expect(arrived?.seenAt).toBeNull();
        await expectCounts(user, { unread: 4, read: 1, archived: 1, unseen: 1 });
        expect(await store.inboxCounts(user)).toEqual({ unread: 4, unseen: 1 });
        expect(await store.inboxCounts(newUser())).toEqual({ unread: 0, unseen: 0 });
      });

      it('keeps unseen, unread and every status total equal to a fresh count through seen, read, archive and unarchive', async () => {
        const [user, other] = [newUser(), newUser()];
        const stored = await store.insertNotifications([
          ...Array.from({ length: 6 }, () => notification(user)),
          notification(other),
        ]);
        const [n1, n2, n3, n4, n5, n6] = ids(stored) as [string, string, string, string, string, string];
        await expectCounts(user, { unread: 6, read: 0, archived: 0, unseen: 6 });

        // Seen twice, with unknown and malformed ids: counted once; no status moves.
        await store.markSeen(user, [n1, n2, randomUUID(), 'nonsense'], new Date());
        await store.markSeen(user, [n1, n2], new Date());
        await expectCounts(user, { unread: 6, read: 0, archived: 0, unseen: 4 });

        // Reading a seen and an unseen row: both leave unread, only the unseen one leaves unseen.
        await store.markRead(user, [n1, n3], new Date());
        await expectCounts(user, { unread: 4, read: 2, archived: 0, unseen: 3 });

        // Unread again: back in unread, not in unseen.
        await store.markUnread(user, [n3]);
        await expectCounts(user, { unread: 5, read: 1, archived: 0, unseen: 3 });

        // Archiving an unseen, a seen and a read row.
        await store.archive(user, [n4, n2, n1], new Date());
        await expectCounts(user, { unread: 3, read: 0, archived: 3, unseen: 2 });

        // Unarchiving keeps read state and seen: n1 read, n2 and n4 unread but seen.
        await store.unarchive(user, [n4, n2, n1]);
        await store.unarchive(user, [n4, n2, n1, n5]);
        await expectCounts(user, { unread: 5, read: 1, archived: 0, unseen: 2 });

        // Another user naming these ids changes nothing, on either side.
        await store.archive(user, [n6], new Date());
        await store.markSeen(other, [n5], new Date());
        await store.unarchive(other, [n6]);
        await store.markAllSeen(other, new Date());
        await expectCounts(user, { unread: 4, read: 1, archived: 1, unseen: 1 });
        await expectCounts(other, { unread: 1, read: 0, archived: 0, unseen: 0 });

        // All seen; then a new arrival is the one unseen.
        expect(await store.markAllSeen(user, new Date())).toBe(1);
        await expectCounts(user, { unread: 4, read: 1, archived: 1, unseen: 0 });
        await store.insertNotifications([notification(user)]);
        await expectCounts(user, { unread: 5, read: 1, archived: 1, unseen: 1 });

        // markAllRead takes the unseen one with it.
        expect(await store.markAllRead(user, new Date())).toBe(5);
        await expectCounts(user, { unread: 0, read: 6, archived: 1, unseen: 0 });

        // Delete an unseen one, a read one and an archived one.
        const [fresh] = await store.insertNotifications([notification(user)]);
        await expectCounts(user, { unread: 1, read: 6, archived: 1, unseen: 1 });
        await store.delete(user, [fresh?.id as string, n1, n6]);
        await expectCounts(user, { unread: 0, read: 5, archived: 0, unseen: 0 });
      });

      it('counts through retention an unseen, a seen and an archived row', async () => {
        const user = newUser();
        const old = new Date('1970-06-01T00:00:00Z');
        const stored = await store.insertNotifications([
          ...Array.from({ length: 3 }, () => notification(user, { createdAt: old })),
          notification(user),
        ]);
        await store.markSeen(user, [stored[1]?.id as string], new Date());
        await store.archive(user, [stored[2]?.id as string], new Date());
        await expectCounts(user, { unread: 3, read: 0, archived: 1, unseen: 2 });
        expect(await store.deleteCreatedBefore(new Date('1971-01-01T00:00:00Z'))).toBe(3);
        await expectCounts(user, { unread: 1, read: 0, archived: 0, unseen: 1 });
      });
    });

    describe('retention', () => {
      it('deletes rows created before the cut-off and keeps numbering above what was seen', async () => {
        const user = newUser();
        const old = new Date('1999-06-01T00:00:00Z');
        const stored = await store.insertNotifications([
          notification(user, { createdAt: old }),
          notification(user, { createdAt: old }),
          notification(user, { createdAt: new Date('1999-12-31T23:59:59.999Z') }),
          notification(user, { createdAt: new Date('2000-01-01T00:00:00Z') }),
        ]);
        expect(await store.deleteCreatedBefore(new Date('2000-01-01T00:00:00Z'))).toBe(3);
        expect(await store.deleteCreatedBefore(new Date('2000-01-01T00:00:00Z'))).toBe(0);
        expect(ids(await store.listNotificationsAfter(user, 0, 10))).toEqual([stored[3]?.id]);

        const [next] = await store.insertNotifications([notification(user)]);
        expect(next?.seq).toBe(5);
      });
    });

    describe('counts', () => {
      it('keep equal to a fresh count after every kind of change, counting only rows that changed state', async () => {
        const [user, other] = [newUser(), newUser()];
        const mine = Array.from({ length: 6 }, () => notification(user));
        const [n1, n2, n3, n4, n5, n6] = mine.map((item) => item.id) as [string, string, string, string, string, string];
        const theirs = [notification(other), notification(other)];

        // A batch with an id twice, across two recipients, then redelivered with one more row.
        await store.insertNotifications([...mine.slice(0, 5), mine[0] as NewNotification, ...theirs]);
        await expectCounts(user, { unread: 5, read: 0, archived: 0, unseen: 5 });
        await expectCounts(other, { unread: 2, read: 0, archived: 0, unseen: 2 });
        await store.insertNotifications([...mine, ...theirs, { ...(mine[1] as NewNotification), id: n2.toUpperCase() }]);
        await expectCounts(user, { unread: 6, read: 0, archived: 0, unseen: 6 });
        await expectCounts(other, { unread: 2, read: 0, archived: 0, unseen: 2 });

        // Read twice, and with an unknown id and a malformed one: counted once.
        await store.markRead(user, [n1, n2, n3, randomUUID(), 'nonsense'], new Date());
        await store.markRead(user, [n1, n2], new Date());
        await expectCounts(user, { unread: 3, read: 3, archived: 0, unseen: 3 });

        // Archiving an unread and a read row, then both again.
        await store.archive(user, [n3, n4], new Date());
        await store.archive(user, [n3, n4], new Date());
        await expectCounts(user, { unread: 2, read: 2, archived: 2, unseen: 2 });

        // An archived row read or unread stays archived: no count moves.
        await store.markRead(user, [n4], new Date());
        await expectCounts(user, { unread: 2, read: 2, archived: 2, unseen: 2 });
        await store.markUnread(user, [n3, n4, n2]);
        await store.markUnread(user, [n2]);
        await expectCounts(user, { unread: 3, read: 1, archived: 2, unseen: 2 });

        // Another user naming these ids changes nothing, on either side.
        await store.markRead(other, [n5, n6], new Date());
        await store.markUnread(other, [n1]);
        await store.archive(other, [n5], new Date());
        await store.delete(other, [n5, n6]);
        await store.markAllRead(newUser(), new Date());
        await expectCounts(user, { unread: 3, read: 1, archived: 2, unseen: 2 });
        await expectCounts(other, { unread: 2, read: 0, archived: 0, unseen: 2 });

        // Only unread, not archived, rows: n3 and n4 stay archived.
        expect(await store.markAllRead(user, new Date())).toBe(3);
        expect(await store.markAllRead(user, new Date())).toBe(0);
        await expectCounts(user, { unread: 0, read: 4, archived: 2, unseen: 0 });

        // One of each status, a missing id and one deleted twice.
        await store.markUnread(user, [n5]);
        await store.delete(user, [n5, n6, n3, randomUUID()]);
        await store.delete(user, [n5, n6, n3]);
        await expectCounts(user, { unread: 0, read: 2, archived: 1, unseen: 0 });
        await expectCounts(other, { unread: 2, read: 0, archived: 0, unseen: 2 });

        await store.delete(user, [n1, n2, n4]);
        await expectCounts(user, { unread: 0, read: 0, archived: 0, unseen: 0 });
        // The row stays (its seq must not restart), at zero.
        expect(await storedCounts(opened.sql, user)).toEqual({ unread: 0, read: 0, archived: 0, unseen: 0 });
      });

      it('keep equal to a fresh count through retention, across recipients and statuses', async () => {
        const [ann, bob] = [newUser(), newUser()];
        const old = new Date('1970-06-01T00:00:00Z');
        const cutoff = new Date('1971-01-01T00:00:00Z');
        const stored = await store.insertNotifications([
          ...Array.from({ length: 4 }, () => notification(ann, { createdAt: old })),
          notification(ann),
          ...Array.from({ length: 3 }, () => notification(bob, { createdAt: old })),
          notification(bob),
        ]);
        const [a1, a2, a3] = ids(stored);
        await store.markRead(ann, [a1 as string, a2 as string], new Date());
        await store.archive(ann, [a2 as string, a3 as string], new Date());
        await expectCounts(ann, { unread: 2, read: 1, archived: 2, unseen: 2 });

        expect(await store.deleteCreatedBefore(cutoff)).toBe(7);
        await expectCounts(ann, { unread: 1, read: 0, archived: 0, unseen: 1 });
        await expectCounts(bob, { unread: 1, read: 0, archived: 0, unseen: 1 });
        expect(await store.deleteCreatedBefore(cutoff)).toBe(0);
        await expectCounts(ann, { unread: 1, read: 0, archived: 0, unseen: 1 });
      });

      it('answers a kind filter with a count of that kind, beside the status counts', async () => {
        const kinds = ['like', 'like', 'follow', 'like'] as const;
        const { user, stored } = await inbox(4, (index) => ({ kind: kinds[index] }));
        await store.archive(user, [stored[0]?.id as string], new Date());
        const count = (filter: Parameters<typeof store.listNotifications>[0]['filter']) =>
          store.listNotifications({ userId: user, first: 1, filter }).then((page) => page.totalCount);
        expect(await count({ kind: ['like'] })).toBe(2);
        expect(await count({ kind: ['like'], status: ['archived'] })).toBe(1);
        expect(await count({ kind: ['follow', 'like'], status: ['unread', 'read', 'archived'] })).toBe(4);
        expect(await count({ kind: [] })).toBe(0);
      });

      it('keep equal to a fresh count while ingest, read state, delete and retention run at once', async () => {
        const users = [newUser(), newUser(), newUser()];
        const [ann, bob] = users as [string, string, string];
        const old = new Date('1970-06-01T00:00:00Z');
        const cutoff = new Date('1971-01-01T00:00:00Z');
        // Batches name the recipients in different orders, so counter rows are asked for in every order.
        const batch = (index: number) =>
          Array.from({ length: 12 }, (_, row) =>
            notification(users[(row + index) % users.length] as string, row % 5 === 0 ? { createdAt: old } : {}),
          );
        const seeded = await store.insertNotifications(Array.from({ length: 4 }, (_, index) => batch(index)).flat());
        const annIds = ids(seeded.filter((item) => item.recipientId === ann));
        const [readIds, unreadIds, archiveIds, deleteIds] = [0, 1, 2, 3].map((part) =>
          annIds.filter((_, index) => index % 4 === part),
        ) as [string[], string[], string[], string[]];
        await store.markRead(ann, unreadIds, new Date());

        const batches = Array.from({ length: 8 }, (_, index) => batch(index));
        const at = () => new Date();
        await Promise.all([
          ...batches.map((each) => store.insertNotifications(each)),
          // Redeliveries, racing the first deliveries of the same rows.
          ...batches.slice(0, 4).map((each) => store.insertNotifications(each)),
          ...readIds.map((id) => store.markRead(ann, [id], at())),
          store.markRead(ann, readIds, at()),
          store.markUnread(ann, unreadIds),
          store.archive(ann, archiveIds, at()),
          store.delete(ann, deleteIds),
          store.markAllRead(ann, at()),
          store.markAllRead(bob, at()),
          store.markAllRead(bob, at()),
          store.markSeen(ann, [...readIds, ...archiveIds], at()),
          store.unarchive(ann, archiveIds),
          store.markAllSeen(ann, at()),
          store.markAllSeen(bob, at()),
          store.deleteCreatedBefore(cutoff),
        ]);
        // The old rows of batches that committed after retention ran.
        await store.deleteCreatedBefore(cutoff);

        expect(await countDrift(opened.sql)).toEqual([]);
        const counts = await Promise.all(users.map((user) => freshCounts(opened.sql, user)));
        for (const [index, user] of users.entries()) await expectCounts(user, counts[index] as Counts);
        // 12 batches of 12 rows (3 of them old, so gone), less ann's recent rows deleted.
        const deletedRecent = seeded.filter((row) => deleteIds.includes(row.id) && row.createdAt >= cutoff).length;
        expect(counts.reduce((sum, each) => sum + each.unread + each.read + each.archived, 0)).toBe(12 * 9 - deletedRecent);
      });
    });

    describe('users', () => {
      it('seeds missing users without overwriting, and lists and gets them', async () => {
        const prefix = `u-${randomUUID()}`;
        const [ann, bob, cy] = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
        await store.seedUsers([
          { id: bob, name: 'Bob' },
          { id: ann, name: 'Ann' },
        ]);
        await store.seedUsers([
          { id: ann, name: 'Changed' },
          { id: cy, name: 'Cy' },
          { id: cy, name: 'Cy twice' },
        ]);
        await store.seedUsers([]);

        expect(await store.getUsers([cy, `${prefix}-missing`, ann])).toEqual([
          { id: cy, name: 'Cy' },
          { id: ann, name: 'Ann' },
        ]);
        expect(await store.getUsers([])).toEqual([]);
        const listed = (await store.listUsers()).filter((user) => user.id.startsWith(prefix));
        expect(listed).toEqual([
          { id: ann, name: 'Ann' },
          { id: bob, name: 'Bob' },
          { id: cy, name: 'Cy' },
        ]);
      });

      it('stores notifications for recipients that were never seeded', async () => {
        const stored = await store.insertNotifications([notification(`unknown-${randomUUID()}`)]);
        expect(stored).toHaveLength(1);
      });
    });
  });
}

/** Migrations on a database that has none applied yet: `open` must give a fresh one each call. */
export function describeMigrationContract(name: string, open: () => Promise<OpenedSql>): void {
  describe(`migrations: ${name}`, () => {
    const opened: OpenedSql[] = [];
    const fresh = async (): Promise<SqlClient> => {
      const next = await open();
      opened.push(next);
      return next.sql;
    };
    afterAll(async () => {
      await Promise.all(opened.map((each) => each.dispose()));
    });

    it('applies every migration once, and nothing when run again', async () => {
      const sql = await fresh();
      const first = await runMigrations(sql);
      expect(first.length).toBeGreaterThan(0);
      expect(await runMigrations(sql)).toEqual([]);
      const recorded = await sql.query<{ version: number; applied_at: Date }>(
        'SELECT version, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(recorded.map((row) => row.version)).toEqual(first);
      expect(recorded[0]?.applied_at).toBeInstanceOf(Date);
    });

    it('applies each migration once when instances start together', async () => {
      const sql = await fresh();
      const runs = await Promise.all([runMigrations(sql), runMigrations(sql), runMigrations(sql)]);
      const all = runs.flat().sort((a, b) => a - b);
      expect(all).toEqual([...new Set(all)]);
      expect(all.length).toBeGreaterThan(0);
    });

    it('counts, when it adds the counts, the rows stored before them', async () => {
      const sql = await fresh();
      expect(await runMigrations(sql, migrations.filter((migration) => migration.version === 1))).toEqual([1]);
      const [ann, bob, cy] = [newUser(), newUser(), newUser()];
      // As version 1 left them: ann's and cy's counter rows, none for bob (which no code path
      // leaves, but the backfill must not depend on it), cy with no rows left after retention.
      await sql.query(
        `INSERT INTO inbox_counters (user_id, last_seq) VALUES ($1, 9), ($2, 4)`,
        [ann, cy],
      );
      const rows: [string, number, string | null, string | null][] = [
        [ann, 1, null, null],
        [ann, 2, null, null],
        [ann, 4, '2025-01-01T00:00:00Z', null],
        [ann, 7, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'],
        [ann, 9, null, '2025-01-02T00:00:00Z'],
        [bob, 3, null, null],
        [bob, 6, '2025-01-01T00:00:00Z', null],
      ];
      await sql.query(
        `INSERT INTO notifications (id, recipient_id, seq, kind, message, created_at, read_at, archived_at)
         SELECT gen_random_uuid(), recipient_id, seq, 'like', 'm', now(), read_at, archived_at
           FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[]) AS t (recipient_id, seq, read_at, archived_at)`,
        [rows.map((row) => row[0]), rows.map((row) => row[1]), rows.map((row) => row[2]), rows.map((row) => row[3])],
      );

      expect(await runMigrations(sql)).toEqual(migrations.map((migration) => migration.version).filter((version) => version > 1));
      expect(await countDrift(sql)).toEqual([]);
      expect(await storedCounts(sql, ann)).toEqual({ unread: 2, read: 1, archived: 2, unseen: 2 });
      expect(await storedCounts(sql, bob)).toEqual({ unread: 1, read: 1, archived: 0, unseen: 1 });
      expect(await storedCounts(sql, cy)).toEqual({ unread: 0, read: 0, archived: 0, unseen: 0 });

      // Rows read or archived before seen existed are seen, since the first of those.
      const store = createNotificationStore(sql);
      const annRows = await store.listNotifications({ userId: ann, first: 10, filter: { status: ['unread', 'read', 'archived'] } });
      expect(annRows.items.map((row) => [row.seq, row.seenAt?.toISOString() ?? null])).toEqual([
        [9, '2025-01-02T00:00:00.000Z'],
        [7, '2025-01-01T00:00:00.000Z'],
        [4, '2025-01-01T00:00:00.000Z'],
        [2, null],
        [1, null],
      ]);

      // Numbering goes on above every stored row, and the counts from there on are kept.
      const [next] = await store.insertNotifications([notification(bob)]);
      expect(next?.seq).toBe(7);
      const [again] = await store.insertNotifications([notification(ann)]);
      expect(again?.seq).toBe(10);
      expect(await store.unreadCount(bob)).toBe(2);
      expect(await countDrift(sql)).toEqual([]);
    });

    it('applies a later migration in order, and rolls back one that fails', async () => {
      const sql = await fresh();
      const applied = await runMigrations(sql);
      const latest = Math.max(...applied);
      const later: Migration = {
        version: latest + 1,
        name: 'later',
        statements: ['CREATE TABLE later_probe (id int PRIMARY KEY)'],
      };
      const broken: Migration = {
        version: latest + 2,
        name: 'broken',
        statements: ['CREATE TABLE broken_probe (id int)', 'SELECT no_such_column FROM later_probe'],
      };
      await expect(runMigrations(sql, [broken, later])).rejects.toThrow();
      const versions = await sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((row) => row.version)).toEqual([...applied, latest + 1]);
      const probes = await sql.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_name LIKE '%_probe' ORDER BY table_name`,
      );
      expect(probes.map((row) => row.name)).toEqual(['later_probe']);
    });
  });
}
