/**
 * Grouping, as every store back-end must keep it (issue 17, migration 011): a recipient's
 * notifications with one group key are one feed item while the group has unread members; the
 * item's count, unread count and actors are exact under concurrent arrivals and redelivery;
 * reading the item closes the group (the next arrival opens a new item); and paging over items is
 * a keyset with no gap or duplicate, also while arrivals move an item to the top. The kept counts
 * equal a fresh count after every case. Each case uses recipients of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FeedItem } from '../../src/notifications/feed-item.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';
import { countDrift } from './inbox-counts.js';

export interface OpenedGroupingStore {
  store: NotificationStore;
  /** The store's database, for fresh counts beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const newUser = (): string => `user-${randomUUID()}`;

function like(recipientId: string, senderId: string, groupKey: string | null): NewNotification {
  return {
    id: randomUUID(),
    senderId,
    recipientId,
    kind: 'like',
    message: `${senderId} liked your post`,
    link: null,
    data: null,
    createdAt: new Date(),
    groupKey,
  };
}

/** What a test compares of an item: the parts that say what it is, not the rows' times. */
const summary = (item: FeedItem) => ({
  groupKey: item.groupKey,
  count: item.count,
  unreadCount: item.unreadCount,
  actorCount: item.actorCount,
  actorIds: item.actorIds,
});

export function describeGroupingStoreContract(name: string, open: () => Promise<OpenedGroupingStore>): void {
  describe(`${name}: grouping`, () => {
    let opened: OpenedGroupingStore;
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

    async function feed(userId: string, first = 100): Promise<FeedItem[]> {
      return (await store.listFeed({ userId, first })).items;
    }

    it('shows the notifications of one key as one item with its count and newest actors, and one without a key as an item of its own', async () => {
      const user = newUser();
      const stored = await store.insertNotifications([
        like(user, 'emma', 'post-7:like'),
        like(user, 'liam', 'post-7:like'),
        like(user, 'noah', null),
        like(user, 'olivia', 'post-7:like'),
        like(user, 'emma', 'post-8:like'),
        like(user, 'ava', 'post-7:like'),
        like(user, 'liam', 'post-7:like'),
      ]);
      expect(stored.map((row) => row.groupKey ?? null)).toEqual(['post-7:like', 'post-7:like', null, 'post-7:like', 'post-8:like', 'post-7:like', 'post-7:like']);
      // Every row of the key joined the group its first row opened.
      expect(new Set(stored.filter((row) => row.groupKey === 'post-7:like').map((row) => row.groupSeq))).toEqual(new Set([stored[0]!.seq]));

      const items = await feed(user);
      expect(items.map(summary)).toEqual([
        // Newest first by each item's newest notification; actors newest first, each once.
        { groupKey: 'post-7:like', count: 5, unreadCount: 5, actorCount: 4, actorIds: ['liam', 'ava', 'olivia'] },
        { groupKey: 'post-8:like', count: 1, unreadCount: 1, actorCount: 1, actorIds: ['emma'] },
        { groupKey: null, count: 1, unreadCount: 1, actorCount: 1, actorIds: ['noah'] },
      ]);
      expect(items[0]!.latest.id).toBe(stored[6]!.id);
      expect(items[0]!.itemSeq).toBe(stored[0]!.seq);
      expect(items[0]!.firstCreatedAt).toEqual(stored[0]!.createdAt);
      expect(items[2]!.itemSeq).toBe(stored[2]!.seq);

      // The same items, asked for by name, in the order asked; an unknown one is null.
      const named = await store.feedItems(user, [items[2]!.itemSeq, 999_999, items[0]!.itemSeq]);
      expect(named.map((item) => item && summary(item))).toEqual([summary(items[2]!), null, summary(items[0]!)]);
      // Another user's inbox has none of them.
      expect(await store.feedItems(newUser(), [items[0]!.itemSeq])).toEqual([null]);
    });

    it('keeps the count and actors exact when two transactions insert into one group at once, and a redelivery changes nothing', async () => {
      for (let round = 0; round < 5; round += 1) {
        const user = newUser();
        const senders = Array.from({ length: 10 }, (_, index) => `s${round}-${index}`);
        const batches = [senders.slice(0, 5), senders.slice(5)].map((batch) => batch.map((sender) => like(user, sender, 'post-1:like')));
        // Two concurrent insert transactions (two connections on PostgreSQL), neither seeing the other's group when it starts.
        const [first, second] = await Promise.all(batches.map((batch) => store.insertNotifications(batch)));
        expect(first).toHaveLength(5);
        expect(second).toHaveLength(5);
        const items = await feed(user);
        expect(items).toHaveLength(1);
        expect(items[0]!.count).toBe(10);
        expect(items[0]!.unreadCount).toBe(10);
        expect(items[0]!.actorCount).toBe(10);
        const newestFirst = [...first!, ...second!].sort((a, b) => b.seq - a.seq).map((row) => row.senderId);
        expect(items[0]!.actorIds).toEqual(newestFirst.slice(0, 3));

        // Both batches again, at once: nothing is stored, the item is as it was.
        const again = await Promise.all(batches.map((batch) => store.insertNotifications(batch)));
        expect(again).toEqual([[], []]);
        expect((await feed(user)).map(summary)).toEqual(items.map(summary));
      }
    });

    it('reads the whole item in one change, which closes the group: the next arrival with the key is a new item', async () => {
      const user = newUser();
      const members = await store.insertNotifications(['emma', 'liam', 'ava'].map((sender) => like(user, sender, 'post-7:like')));
      const [item] = await feed(user);
      // One read beforehand: the item stays open while any member is unread.
      await store.markRead(user, [members[0]!.id], new Date());
      const [stillOpen] = await store.insertNotifications([like(user, 'noah', 'post-7:like')]);
      expect(stillOpen!.groupSeq).toBe(item!.itemSeq);
      expect((await feed(user)).map(summary)).toEqual([{ groupKey: 'post-7:like', count: 4, unreadCount: 3, actorCount: 4, actorIds: ['noah', 'ava', 'liam'] }]);
      expect(await store.inboxCounts(user)).toEqual({ unread: 3, unseen: 3 });

      const read = await store.markFeedItemRead(user, item!.itemSeq, new Date());
      expect(read.map((row) => row.id)).toEqual([members[1]!.id, members[2]!.id, stillOpen!.id]);
      expect(read.every((row) => row.readAt !== null)).toBe(true);
      expect(await store.inboxCounts(user)).toEqual({ unread: 0, unseen: 0 });
      // Read again: nothing left to read.
      expect(await store.markFeedItemRead(user, item!.itemSeq, new Date())).toEqual([]);

      const [next] = await store.insertNotifications([like(user, 'mia', 'post-7:like')]);
      expect(next!.groupSeq).toBe(next!.seq);
      expect((await feed(user)).map(summary)).toEqual([
        { groupKey: 'post-7:like', count: 1, unreadCount: 1, actorCount: 1, actorIds: ['mia'] },
        { groupKey: 'post-7:like', count: 4, unreadCount: 0, actorCount: 4, actorIds: ['noah', 'ava', 'liam'] },
      ]);
      // Another user's token on this item reads nothing.
      expect(await store.markFeedItemRead(newUser(), next!.seq, new Date())).toEqual([]);
    });

    it('counts within the view: an archived member leaves the item, a snoozed one neither keeps the group open nor counts as unread', async () => {
      const user = newUser();
      const members = await store.insertNotifications(['emma', 'liam'].map((sender) => like(user, sender, 'post-3:like')));
      await store.archive(user, [members[1]!.id], new Date());
      expect((await feed(user)).map(summary)).toEqual([{ groupKey: 'post-3:like', count: 1, unreadCount: 1, actorCount: 1, actorIds: ['emma'] }]);
      expect((await store.listFeed({ userId: user, first: 10, filter: { status: ['archived'] } })).items.map(summary)).toEqual([
        { groupKey: 'post-3:like', count: 1, unreadCount: 0, actorCount: 1, actorIds: ['liam'] },
      ]);

      await store.snooze(user, [members[0]!.id], new Date(Date.now() + 60 * 60 * 1000));
      expect(await feed(user)).toEqual([]);
      const [next] = await store.insertNotifications([like(user, 'ava', 'post-3:like')]);
      expect(next!.groupSeq).toBe(next!.seq);
    });

    it('groups within one inbox: the same key in a workspace is another group, and an item of one is nothing in the other', async () => {
      const user = newUser();
      const [outside] = await store.insertNotifications([like(user, 'emma', 'post-5:like')]);
      const [inAcme, inAcme2] = await store.insertNotifications(['liam', 'ava'].map((sender) => ({ ...like(user, sender, 'post-5:like'), workspaceId: 'acme' })));
      // Each inbox numbers its own rows: both groups may have the same seq, and are still two.
      expect(inAcme!.groupSeq).toBe(inAcme!.seq);
      expect(inAcme2!.groupSeq).toBe(inAcme!.seq);
      expect((await feed(user)).map(summary)).toEqual([{ groupKey: 'post-5:like', count: 1, unreadCount: 1, actorCount: 1, actorIds: ['emma'] }]);
      expect((await store.listFeed({ userId: user, workspaceId: 'acme', first: 10 })).items.map(summary)).toEqual([
        { groupKey: 'post-5:like', count: 2, unreadCount: 2, actorCount: 2, actorIds: ['ava', 'liam'] },
      ]);
      // Reading the acme item from outside any workspace reads nothing there.
      expect(await store.markFeedItemRead(user, inAcme!.groupSeq!, new Date())).toHaveLength(outside!.groupSeq === inAcme!.groupSeq ? 1 : 0);
      expect((await store.feedItems({ userId: user, workspaceId: 'acme' }, [inAcme!.groupSeq!]))[0]?.unreadCount).toBe(2);
    });

    it('pages over items by keyset with no gap or duplicate, also while an arrival moves an item to the top', async () => {
      const user = newUser();
      // 12 items: 4 groups of 3 interleaved with 8 single notifications (one key used once).
      const batch: NewNotification[] = [];
      for (let round = 0; round < 3; round += 1) {
        for (let group = 0; group < 4; group += 1) batch.push(like(user, `g${group}-${round}`, `post-${group}:like`));
        if (round < 2) for (let single = 0; single < 4; single += 1) batch.push(like(user, `s${round}-${single}`, single === 0 ? `solo-${round}` : null));
      }
      await store.insertNotifications(batch);
      const all = await feed(user);
      expect(all).toHaveLength(12);
      expect(all.map((item) => item.latest.seq)).toEqual([...all.map((item) => item.latest.seq)].sort((a, b) => b - a));

      // Unchanged: pages of 5 give every item once, in order.
      const walk = async (): Promise<number[]> => {
        const seen: number[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await store.listFeed({ userId: user, first: 5, ...(after !== undefined && { after }) });
          seen.push(...page.items.map((item) => item.itemSeq));
          if (!page.hasNextPage) return seen;
          after = page.items.at(-1)!.latest.seq;
        }
      };
      expect(await walk()).toEqual(all.map((item) => item.itemSeq));

      // Changing while paged: after the first page, an item not shown yet gains a notification.
      const firstPage = await store.listFeed({ userId: user, first: 5 });
      const shown = firstPage.items.map((item) => item.itemSeq);
      const moved = all.find((item) => item.groupKey !== null && !shown.includes(item.itemSeq))!;
      const [arrival] = await store.insertNotifications([like(user, 'late', moved.groupKey)]);
      expect(arrival!.groupSeq).toBe(moved.itemSeq);
      expect(arrival!.seq).toBeGreaterThan(firstPage.lastSeq);

      const rest: number[] = [];
      let after = firstPage.items.at(-1)!.latest.seq;
      for (;;) {
        const page = await store.listFeed({ userId: user, first: 5, after });
        rest.push(...page.items.map((item) => item.itemSeq));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.latest.seq;
      }
      // The moved item is above the cursor now: not paged again (the live push of `arrival`, after
      // the first page's lastSeq, brings it); every other item comes exactly once.
      expect(rest).not.toContain(moved.itemSeq);
      expect([...shown, ...rest, moved.itemSeq].sort((a, b) => a - b)).toEqual(all.map((item) => item.itemSeq).sort((a, b) => a - b));
      expect(new Set([...shown, ...rest]).size).toBe(shown.length + rest.length);
      // And a fresh read has it on top, counted with its arrival.
      const [top] = await feed(user, 1);
      expect(top!.itemSeq).toBe(moved.itemSeq);
      expect(top!.count).toBe(moved.count + 1);

      // An empty page still says where the inbox is.
      const past = await store.listFeed({ userId: user, first: 5, after: 1 });
      expect(past.items).toEqual([]);
      expect(past.hasNextPage).toBe(false);
      expect(past.lastSeq).toBe(arrival!.seq);
    });
  });
}
