/**
 * Workspaces, as every store back-end must keep them (issue 17, migration 013): a user has one
 * inbox per workspace besides the one outside any, each with its own rows, seq, counts and live
 * position; nothing that names one inbox reads or changes another's rows or counts, and the inbox
 * outside any workspace is what it was before. The kept counts equal a fresh count after every
 * case. Each case uses recipients of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboxKey } from '../../src/notifications/inbox-key.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';
import { countDrift, freshCounts, storedCounts, type Counts } from './inbox-counts.js';

export interface OpenedWorkspaceStore {
  store: NotificationStore;
  /** The store's database, for fresh counts beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const HOUR = 60 * 60 * 1000;

function notification(recipientId: string, workspaceId: string | null, createdAt = new Date()): NewNotification {
  return { id: randomUUID(), senderId: 'sender-1', recipientId, kind: 'mention', message: `in ${workspaceId ?? 'none'}`, link: null, data: null, createdAt, workspaceId };
}

export function describeWorkspaceStoreContract(name: string, open: () => Promise<OpenedWorkspaceStore>): void {
  describe(`${name}: workspaces`, () => {
    let opened: OpenedWorkspaceStore;
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

    /** One user with `count` rows in each of workspaces acme and globex, and outside any; stored interleaved in one batch. */
    async function userInThree(count: number) {
      const userId = `user-${randomUUID()}`;
      const acme: InboxKey = { userId, workspaceId: 'acme' };
      const globex: InboxKey = { userId, workspaceId: 'globex' };
      const none: InboxKey = { userId, workspaceId: null };
      const input = Array.from({ length: count }, () => [notification(userId, 'acme'), notification(userId, 'globex'), notification(userId, null)]).flat();
      const stored = await store.insertNotifications(input);
      const idsOf = (workspaceId: string | null) => stored.filter((row) => (row.workspaceId ?? null) === workspaceId).map((row) => row.id);
      return { userId, acme, globex, none, stored, ids: { acme: idsOf('acme'), globex: idsOf('globex'), none: idsOf(null) } };
    }

    /** Fresh count, kept count, inboxCounts, unreadCount and the default view's totalCount all say `expected`. */
    async function expectCounts(inbox: InboxKey, expected: Counts): Promise<void> {
      expect(await freshCounts(opened.sql, inbox.userId, inbox.workspaceId)).toEqual(expected);
      expect(await storedCounts(opened.sql, inbox.userId, inbox.workspaceId)).toEqual(expected);
      expect(await store.inboxCounts(inbox)).toEqual({ unread: expected.unread, unseen: expected.unseen });
      expect(await store.unreadCount(inbox)).toBe(expected.unread);
      const page = await store.listNotifications({ userId: inbox.userId, workspaceId: inbox.workspaceId, first: 100 });
      expect(page.totalCount).toBe(expected.unread + expected.read);
    }

    const fresh: Counts = { unread: 2, read: 0, archived: 0, unseen: 2 };

    it('numbers, lists and counts each inbox of a user on its own, and stores the workspace with each row', async () => {
      const { userId, acme, globex, none, stored, ids } = await userInThree(2);
      // Each inbox numbers from 1, in input order within it.
      expect(stored.map((row) => [row.workspaceId ?? null, row.seq])).toEqual([
        ['acme', 1], ['globex', 1], [null, 1],
        ['acme', 2], ['globex', 2], [null, 2],
      ]);
      // Outside any workspace the row reads as before workspaces: no workspaceId at all.
      expect(stored.filter((row) => 'workspaceId' in row).every((row) => row.workspaceId === 'acme' || row.workspaceId === 'globex')).toBe(true);
      expect((await store.getNotifications(ids.acme)).map((row) => row.workspaceId)).toEqual(['acme', 'acme']);

      for (const [inbox, own] of [[acme, ids.acme], [globex, ids.globex], [none, ids.none]] as const) {
        const page = await store.listNotifications({ userId, workspaceId: inbox.workspaceId, first: 10 });
        expect(page.items.map((row) => row.id)).toEqual([...own].reverse());
        expect(page.lastSeq).toBe(2);
        expect((await store.listNotificationsAfter(inbox, 0, 10)).map((row) => row.id)).toEqual(own);
        expect((await store.listNotificationsAfter(inbox, 1, 10)).map((row) => row.id)).toEqual([own[1]]);
        await expectCounts(inbox, fresh);
      }
      // A query that names no workspace is the inbox outside any, as before.
      expect((await store.listNotifications({ userId, first: 10 })).items.map((row) => row.id)).toEqual([...ids.none].reverse());
      expect(await store.inboxCounts(userId)).toEqual({ unread: 2, unseen: 2 });
      // A kind filter counts over the rows: still only the inbox's.
      expect((await store.listNotifications({ userId, workspaceId: 'acme', first: 10, filter: { kind: ['mention'] } })).totalCount).toBe(2);

      // A workspace the user has nothing in is an empty inbox, not another's.
      const initech: InboxKey = { userId, workspaceId: 'initech' };
      expect((await store.listNotifications({ userId, workspaceId: 'initech', first: 10 })).items).toEqual([]);
      expect(await store.lastSeqs([acme, initech, none, globex])).toEqual([2, 0, 2, 2]);
      expect(await store.inboxCounts(initech)).toEqual({ unread: 0, unseen: 0 });
    });

    it('changes nothing of another inbox, given its ids, and its counts stay', async () => {
      const { acme, globex, none, ids } = await userInThree(2);
      const at = new Date();
      const others = [...ids.globex, ...ids.none];
      expect(await store.markRead(acme, others, at)).toEqual([]);
      expect(await store.markSeen(acme, others, at)).toEqual([]);
      expect(await store.archive(acme, others, at)).toEqual([]);
      expect(await store.snooze(acme, others, new Date(at.getTime() + HOUR))).toEqual([]);
      expect(await store.delete(acme, others)).toEqual([]);
      expect(await store.markRead(none, ids.acme, at)).toEqual([]);
      await expectCounts(globex, fresh);
      await expectCounts(none, fresh);
      await expectCounts(acme, fresh);

      // Its own ids it changes, and only its counts move.
      expect((await store.markRead(acme, [ids.acme[0]!], at)).map((row) => row.id)).toEqual([ids.acme[0]]);
      await expectCounts(acme, { unread: 1, read: 1, archived: 0, unseen: 1 });
      await expectCounts(globex, fresh);
      await expectCounts(none, fresh);
    });

    it('reads, sees and reads again all of one inbox only', async () => {
      const { acme, globex, none } = await userInThree(2);
      const at = new Date();
      expect(await store.markAllSeen(globex, at)).toBe(2);
      await expectCounts(globex, { unread: 2, read: 0, archived: 0, unseen: 0 });
      expect(await store.markAllRead(acme, at)).toBe(2);
      await expectCounts(acme, { unread: 0, read: 2, archived: 0, unseen: 0 });
      await expectCounts(none, fresh);
      expect(await store.markAllRead(none.userId, at)).toBe(2);
      await expectCounts(none, { unread: 0, read: 2, archived: 0, unseen: 0 });
      await expectCounts(globex, { unread: 2, read: 0, archived: 0, unseen: 0 });
    });

    it('wakes snoozes in each inbox, counted in its own', async () => {
      const { acme, globex, none, ids } = await userInThree(1);
      const now = new Date();
      const until = new Date(now.getTime() + HOUR);
      await store.snooze(acme, ids.acme, until);
      await store.snooze(globex, ids.globex, until);
      await expectCounts(acme, { unread: 0, read: 0, archived: 0, unseen: 0, snoozed: 1 });
      await expectCounts(none, { unread: 1, read: 0, archived: 0, unseen: 1 });
      const woken = await store.wakeSnoozed(new Date(until.getTime() + 1), 100);
      const mine = woken.filter((row) => row.recipientId === acme.userId);
      expect(mine.map((row) => [row.workspaceId, row.id])).toEqual([['acme', ids.acme[0]], ['globex', ids.globex[0]]]);
      await expectCounts(acme, { unread: 1, read: 0, archived: 0, unseen: 1 });
      await expectCounts(globex, { unread: 1, read: 0, archived: 0, unseen: 1 });
    });

    it('keeps every inbox counted through retention, and its numbering', async () => {
      const userId = `user-${randomUUID()}`;
      const old = new Date(Date.now() - 48 * HOUR);
      await store.insertNotifications([notification(userId, 'acme', old), notification(userId, 'globex', old), notification(userId, 'acme'), notification(userId, null, old)]);
      expect(await store.deleteCreatedBefore(new Date(Date.now() - 24 * HOUR))).toBeGreaterThanOrEqual(3);
      await expectCounts({ userId, workspaceId: 'acme' }, { unread: 1, read: 0, archived: 0, unseen: 1 });
      await expectCounts({ userId, workspaceId: 'globex' }, { unread: 0, read: 0, archived: 0, unseen: 0 });
      const [next] = await store.insertNotifications([notification(userId, 'globex')]);
      expect(next?.seq).toBe(2);
    });
  });
}
