/**
 * Action buttons, as every store back-end must keep them (issue 17): the buttons a notification
 * was inserted with are read back as they went in (none for one without), and a press is
 * recorded once: on a row of the recipient that has the button, the first press only, even when
 * two presses of different buttons race. A press reads an unread row (counts moved, the read on
 * the activity outbox) and moves no count of a row already read; the kept counts equal a fresh
 * count after every case. Each case uses recipients of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewNotification, NotificationAction } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';
import { countDrift, freshCounts } from './inbox-counts.js';

export interface OpenedActionsStore {
  store: NotificationStore;
  /** The store's database, for fresh counts and the outbox beside the store. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const APPROVE: NotificationAction = { label: 'Approve', url: null, key: 'approve' };
const VIEW: NotificationAction = { label: 'View the request', url: 'https://example.com/requests/7?tab=diff&x="y"', key: null };

const newUser = (): string => `user-${randomUUID()}`;

function notification(recipientId: string, actions?: readonly NotificationAction[]): NewNotification {
  return {
    id: randomUUID(),
    senderId: 'sender-1',
    recipientId,
    kind: 'mention',
    message: 'May I merge?',
    link: null,
    data: null,
    createdAt: new Date(),
    ...(actions && { actions }),
  };
}

export function describeActionsStoreContract(name: string, open: () => Promise<OpenedActionsStore>): void {
  describe(`${name}: action buttons`, () => {
    let opened: OpenedActionsStore;
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

    const outboxOf = (user: string) =>
      opened.sql.query<{ action: string; notification_id: string }>('SELECT action, notification_id FROM activity_outbox WHERE user_id = $1 ORDER BY seq', [user]);

    it('reads back the buttons a notification was inserted with, and none for one without', async () => {
      const user = newUser();
      const [withTwo, withNone, withEmpty] = await store.insertNotifications([notification(user, [APPROVE, VIEW]), notification(user), notification(user, [])]);
      expect(withTwo).toMatchObject({ actions: [APPROVE, VIEW], pressedAction: null });
      expect(withNone).toMatchObject({ actions: [], pressedAction: null });
      expect(withEmpty).toMatchObject({ actions: [], pressedAction: null });
      expect(await store.getNotifications([withTwo!.id, withNone!.id])).toEqual([withTwo, withNone]);
      expect((await store.listNotifications({ userId: user, first: 10 })).items.map((n) => n.actions)).toEqual([[], [], [APPROVE, VIEW]]);
      expect(await store.listNotificationsAfter(user, 0, 10)).toEqual([withTwo, withNone, withEmpty]);
    });

    it('records the first press once, reads the row with it, and refuses every later one', async () => {
      const user = newUser();
      const [n] = await store.insertNotifications([notification(user, [APPROVE, VIEW])]);
      expect(await freshCounts(opened.sql, user)).toEqual({ unread: 1, read: 0, archived: 0, unseen: 1 });

      const at = new Date(Date.now() - 1000);
      const [pressed] = await store.pressAction(user, n!.id, 1, at);
      expect(pressed).toMatchObject({ id: n!.id, pressedAction: { index: 1, at }, readAt: at, seenAt: at, actions: [APPROVE, VIEW] });
      expect(await store.inboxCounts(user)).toEqual({ unread: 0, unseen: 0 });
      expect(await outboxOf(user)).toEqual([{ action: 'read', notification_id: n!.id }]);
      expect(await store.getNotifications([n!.id])).toEqual([pressed]);

      // Neither the other button nor the same one again: the press on record stays as it was.
      expect(await store.pressAction(user, n!.id, 0, new Date())).toEqual([]);
      expect(await store.pressAction(user, n!.id, 1, new Date())).toEqual([]);
      expect(await store.getNotifications([n!.id])).toEqual([pressed]);
      expect(await outboxOf(user)).toHaveLength(1);
    });

    it('presses a row already read without moving a count, keeps its read time, and presses an archived one where it is', async () => {
      const user = newUser();
      const [read, archived] = await store.insertNotifications([notification(user, [APPROVE]), notification(user, [APPROVE])]);
      const readAt = new Date(Date.now() - 60_000);
      await store.markRead(user, [read!.id], readAt);
      await store.archive(user, [archived!.id], readAt);
      const before = await freshCounts(opened.sql, user);
      expect(before).toEqual({ unread: 0, read: 1, archived: 1, unseen: 0 });
      const outboxBefore = (await outboxOf(user)).length;

      const at = new Date();
      const [pressedRead] = await store.pressAction(user, read!.id, 0, at);
      expect(pressedRead).toMatchObject({ pressedAction: { index: 0, at }, readAt });
      expect(await freshCounts(opened.sql, user)).toEqual(before);
      expect(await outboxOf(user)).toHaveLength(outboxBefore);

      // Archived and unread: read with the press, still archived, so no count moves.
      const [pressedArchived] = await store.pressAction(user, archived!.id, 0, at);
      expect(pressedArchived).toMatchObject({ pressedAction: { index: 0, at }, readAt: at, archivedAt: readAt });
      expect(await freshCounts(opened.sql, user)).toEqual(before);
    });

    it("presses nothing of another user's, no button a row lacks, and nothing for an id that is not one", async () => {
      const [user, other] = [newUser(), newUser()];
      const [two, none] = await store.insertNotifications([notification(user, [APPROVE, VIEW]), notification(user)]);
      const at = new Date();
      expect(await store.pressAction(other, two!.id, 0, at)).toEqual([]);
      expect(await store.pressAction(user, two!.id, 2, at)).toEqual([]);
      expect(await store.pressAction(user, two!.id, -1, at)).toEqual([]);
      expect(await store.pressAction(user, two!.id, 1.5, at)).toEqual([]);
      expect(await store.pressAction(user, two!.id, 40_000, at)).toEqual([]);
      expect(await store.pressAction(user, none!.id, 0, at)).toEqual([]);
      expect(await store.pressAction(user, 'not-a-uuid', 0, at)).toEqual([]);
      expect(await store.pressAction(user, randomUUID(), 0, at)).toEqual([]);
      expect((await store.getNotifications([two!.id, none!.id])).map((n) => [n.pressedAction, n.readAt])).toEqual([
        [null, null],
        [null, null],
      ]);
      expect(await freshCounts(opened.sql, user)).toEqual({ unread: 2, read: 0, archived: 0, unseen: 2 });
    });

    it("presses a row of a workspace's inbox named with its workspace, and nothing named outside it", async () => {
      const user = newUser();
      const [n] = await store.insertNotifications([{ ...notification(user, [APPROVE]), workspaceId: 'acme' }]);
      const at = new Date();
      expect(await store.pressAction(user, n!.id, 0, at)).toEqual([]);
      expect(await store.pressAction({ userId: user, workspaceId: 'globex' }, n!.id, 0, at)).toEqual([]);
      const [pressed] = await store.pressAction({ userId: user, workspaceId: 'acme' }, n!.id, 0, at);
      expect(pressed).toMatchObject({ id: n!.id, workspaceId: 'acme', pressedAction: { index: 0, at }, readAt: at });
      expect(await store.inboxCounts({ userId: user, workspaceId: 'acme' })).toEqual({ unread: 0, unseen: 0 });
    });

    it('records exactly one of two different presses made at once', async () => {
      const user = newUser();
      const rows = await store.insertNotifications(Array.from({ length: 5 }, () => notification(user, [APPROVE, VIEW])));
      const at = new Date();
      for (const row of rows) {
        const [first, second] = await Promise.all([store.pressAction(user, row.id, 0, at), store.pressAction(user, row.id, 1, at)]);
        expect(first!.length + second!.length, 'one press of the two recorded').toBe(1);
        const [winner] = [...first!, ...second!];
        expect(await store.getNotifications([row.id])).toEqual([winner]);
      }
      expect(await freshCounts(opened.sql, user)).toEqual({ unread: 0, read: 5, archived: 0, unseen: 0 });
      expect((await outboxOf(user)).map((row) => row.action)).toEqual(['read', 'read', 'read', 'read', 'read']);
    });
  });
}
