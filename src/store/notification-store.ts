import type { Notification, User } from '../notifications/notification.js';
import type { NotificationStore } from '../notifications/ports.js';
import { inboxKey, inboxKeyString, type InboxRef } from '../notifications/inbox-key.js';
import { insertNotifications } from './insert-notifications.js';
import { listNotifications } from './list-notifications.js';
import { deleteCreatedBefore } from './delete-created-before.js';
import { countedReturning, countedTotal, ROW_FACTS, rowsOfLockedRecipient, UNSEEN_ROW, withCounts } from './inbox-counts.js';
import { NOTIFICATION_COLUMNS, inOrderOf, storableIds, toNotification, workspaceColumn, type NotificationRow } from './notification-rows.js';
import type { SqlClient } from './sql-client.js';
import { topicSubscriptionStore } from './topic-subscriptions.js';
import { activityOutboxStore } from './activity-outbox.js';
import { preferenceStore } from './preferences.js';
import { feedStore } from './feed.js';
import { actionStore } from './press-action.js';
import { digestStore } from './digests.js';
import { kindStore } from './kinds.js';

/** An inbox's recipient id and workspace column, as statement parameters. */
const inboxParams = (inbox: InboxRef): [string, string] => {
  const { userId, workspaceId } = inboxKey(inbox);
  return [userId, workspaceColumn(workspaceId)];
};

/**
 * A change's parameters: the recipient id first ($1), then `rest`, then the workspace column last
 * (the placeholder after the rest's), so the statements written before workspaces kept their numbers.
 */
const inboxArgs = (inbox: InboxRef, ...rest: unknown[]): unknown[] => {
  const [userId, workspace] = inboxParams(inbox);
  return [userId, ...rest, workspace];
};

export function createNotificationStore(sql: SqlClient): NotificationStore {
  /** Runs a statement over notifications named by id; no statement at all when no id can match. */
  async function byIds(ids: readonly string[], run: (ids: string[]) => Promise<NotificationRow[]>): Promise<Notification[]> {
    const wanted = storableIds(ids);
    if (wanted.length === 0) return [];
    return inOrderOf(wanted, await run(wanted)).map(toNotification);
  }

  return {
    insertNotifications: (items) => insertNotifications(sql, items),

    listNotifications: (query) => listNotifications(sql, query),

    async listNotificationsAfter(inbox, afterSeq, limit) {
      const [userId, workspace] = inboxParams(inbox);
      const rows = await sql.query<NotificationRow>(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications
          WHERE recipient_id = $1 AND workspace_id = $4 AND seq > $2 ORDER BY seq ASC LIMIT $3`,
        [userId, afterSeq, limit, workspace],
      );
      return rows.map(toNotification);
    },

    getNotifications: (ids) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id = ANY($1::uuid[])`, [wanted]),
      ),

    async unreadCount(inbox) {
      const [row] = await sql.query<{ count: number }>(`SELECT ${countedTotal(['unread'], '$1', '$2')} AS count`, inboxParams(inbox));
      return row?.count ?? 0;
    },

    async inboxCounts(inbox) {
      const [row] = await sql.query<{ unread: number; unseen: number }>(
        'SELECT unread_count AS unread, unseen_count AS unseen FROM inbox_counters WHERE user_id = $1 AND workspace_id = $2',
        inboxParams(inbox),
      );
      return { unread: row?.unread ?? 0, unseen: row?.unseen ?? 0 };
    },

    async lastSeqs(inboxes) {
      const keys = inboxes.map(inboxKey);
      const rows = await sql.query<{ user_id: string; workspace_id: string; last_seq: number }>(
        `SELECT c.user_id, c.workspace_id, c.last_seq FROM inbox_counters c
           JOIN unnest($1::text[], $2::text[]) AS t (user_id, workspace_id) USING (user_id, workspace_id)`,
        [keys.map((key) => key.userId), keys.map((key) => workspaceColumn(key.workspaceId))],
      );
      const newest = new Map(rows.map((row) => [inboxKeyString({ userId: row.user_id, workspaceId: row.workspace_id || null }), Number(row.last_seq)]));
      return keys.map((key) => newest.get(inboxKeyString(key)) ?? 0);
    },

    // Each change below takes the recipient's counter row before its rows (rowsOfLockedRecipient),
    // and states in countedReturning what its WHERE clause pinned before the change. Only a column
    // the WHERE clause pins is changed, besides seen_at where its value then does not matter (a
    // row read or archived before is not unseen, whether seen_at was set or not).
    // Each also writes its activity outbox rows in the same statement (the third argument of
    // withCounts): the change's own time where it has one, else the commit's transaction time.

    markRead: (inbox, ids, at) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            `UPDATE notifications SET read_at = $3
              WHERE ${rowsOfLockedRecipient('$1', '$4')} AND id = ANY($2::uuid[]) AND read_at IS NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, read: 'FALSE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'read', at: '$3::timestamptz' },
          ),
          inboxArgs(inbox, wanted, at.toISOString()),
        ),
      ),

    markUnread: (inbox, ids) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            // Read implied seen: it stays seen.
            `UPDATE notifications SET read_at = NULL, seen_at = COALESCE(seen_at, read_at)
              WHERE ${rowsOfLockedRecipient('$1', '$3')} AND id = ANY($2::uuid[]) AND read_at IS NOT NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, read: 'TRUE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'unread', at: 'now()' },
          ),
          inboxArgs(inbox, wanted),
        ),
      ),

    async markAllRead(inbox, at) {
      // Only what counts as unread, so the count returned is exactly the drop in unreadCount: a
      // snoozed row is not in the feed, and comes back unread when it wakes.
      const [row] = await sql.query<{ count: number }>(
        withCounts(
          `UPDATE notifications SET read_at = $2
            WHERE ${rowsOfLockedRecipient('$1', '$3')} AND read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL
           RETURNING id, recipient_id, workspace_id, seq, kind, created_at, ${countedReturning({ ...ROW_FACTS, read: 'FALSE', archived: 'FALSE', snoozed: 'FALSE' })}`,
          'SELECT count(*) AS count FROM changed',
          // Told per notification it read, as a read of each.
          { action: 'read', at: '$2::timestamptz' },
        ),
        inboxArgs(inbox, at.toISOString()),
      );
      return row?.count ?? 0;
    },

    archive: (inbox, ids, at) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            `UPDATE notifications SET archived_at = $3
              WHERE ${rowsOfLockedRecipient('$1', '$4')} AND id = ANY($2::uuid[]) AND archived_at IS NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, archived: 'FALSE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'archived', at: '$3::timestamptz' },
          ),
          inboxArgs(inbox, wanted, at.toISOString()),
        ),
      ),

    unarchive: (inbox, ids) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            // Archived implied seen: it stays seen.
            `UPDATE notifications SET archived_at = NULL, seen_at = COALESCE(seen_at, read_at, archived_at)
              WHERE ${rowsOfLockedRecipient('$1', '$3')} AND id = ANY($2::uuid[]) AND archived_at IS NOT NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, archived: 'TRUE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'unarchived', at: 'now()' },
          ),
          inboxArgs(inbox, wanted),
        ),
      ),

    markSeen: (inbox, ids, at) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            `UPDATE notifications SET seen_at = $3
              WHERE ${rowsOfLockedRecipient('$1', '$4')} AND id = ANY($2::uuid[]) AND ${UNSEEN_ROW}
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ read: 'FALSE', archived: 'FALSE', seen: 'FALSE', snoozed: ROW_FACTS.snoozed })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'seen', at: '$3::timestamptz' },
          ),
          inboxArgs(inbox, wanted, at.toISOString()),
        ),
      ),

    async markAllSeen(inbox, at) {
      const [row] = await sql.query<{ count: number }>(
        withCounts(
          // A snoozed row was not shown: it comes back unseen when it wakes.
          `UPDATE notifications SET seen_at = $2
            WHERE ${rowsOfLockedRecipient('$1', '$3')} AND ${UNSEEN_ROW} AND snoozed_until IS NULL
           RETURNING id, recipient_id, workspace_id, seq, kind, created_at, ${countedReturning({ read: 'FALSE', archived: 'FALSE', seen: 'FALSE', snoozed: 'FALSE' })}`,
          'SELECT count(*) AS count FROM changed',
          { action: 'seen', at: '$2::timestamptz' },
        ),
        inboxArgs(inbox, at.toISOString()),
      );
      return row?.count ?? 0;
    },

    // Snooze is not told on the activity topic: its codec's actions are fixed (activity-event.ts).
    // An archived row is left alone (archive wins; see unarchive), a snoozed one is given the new
    // time: two statements, as only what a WHERE clause pinned is known of a row before its change.
    snooze: (inbox, ids, until) =>
      byIds(ids, (wanted) =>
        sql.transaction(async (tx) => {
          // Already snoozed: a new time, no count moves. The recipient's counter row is this
          // transaction's from here on, so the second statement sees every row as it is.
          const retimed = await tx.query<NotificationRow>(
            `UPDATE notifications SET snoozed_until = $3
              WHERE ${rowsOfLockedRecipient('$1', '$4')} AND id = ANY($2::uuid[]) AND archived_at IS NULL AND snoozed_until IS NOT NULL
             RETURNING ${NOTIFICATION_COLUMNS}`,
            inboxArgs(inbox, wanted, until.toISOString()),
          );
          const snoozed = await tx.query<NotificationRow>(
            withCounts(
              `UPDATE notifications SET snoozed_until = $3
                WHERE ${rowsOfLockedRecipient('$1', '$4')} AND id = ANY($2::uuid[]) AND archived_at IS NULL AND snoozed_until IS NULL
               RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, archived: 'FALSE', snoozed: 'FALSE' })}`,
              `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            ),
            inboxArgs(inbox, wanted, until.toISOString()),
          );
          return [...retimed, ...snoozed];
        }),
      ),

    unsnooze: (inbox, ids) =>
      byIds(ids, (wanted) =>
        sql.query<NotificationRow>(
          withCounts(
            `UPDATE notifications SET snoozed_until = NULL
              WHERE ${rowsOfLockedRecipient('$1', '$3')} AND id = ANY($2::uuid[]) AND snoozed_until IS NOT NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, snoozed: 'TRUE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
          ),
          inboxArgs(inbox, wanted),
        ),
      ),

    async wakeSnoozed(at, recipientLimit) {
      // The counter rows of (at most recipientLimit) recipients with a row due, every inbox of
      // theirs (one per workspace, migration 013), taken in (user_id, workspace_id) order before
      // any of their rows (the lock order of inbox-counts.ts): an InitPlan, run
      // before the scan hands over a row. Several instances waking at once: the second waits on
      // the first's counter rows, then finds the rows it woke no longer due (the WHERE clause is
      // re-checked against the row as committed), so each row wakes once.
      const rows = await sql.query<NotificationRow>(
        withCounts(
          `UPDATE notifications SET snoozed_until = NULL
            WHERE recipient_id = ANY (ARRAY(
                    SELECT user_id FROM inbox_counters
                     WHERE user_id IN (SELECT DISTINCT recipient_id FROM notifications WHERE snoozed_until <= $1 ORDER BY recipient_id LIMIT $2)
                     ORDER BY user_id, workspace_id FOR UPDATE))
              AND snoozed_until <= $1
           RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, snoozed: 'TRUE' })}`,
          `SELECT ${NOTIFICATION_COLUMNS} FROM changed ORDER BY recipient_id, workspace_id, seq`,
        ),
        [at.toISOString(), recipientLimit],
      );
      return rows.map(toNotification);
    },

    async nextSnoozeDue() {
      const [row] = await sql.query<{ due: Date | null }>('SELECT min(snoozed_until) AS due FROM notifications WHERE snoozed_until IS NOT NULL');
      return row?.due ?? null;
    },

    async delete(inbox, ids) {
      const wanted = storableIds(ids);
      if (wanted.length === 0) return [];
      const rows = await sql.query<{ id: string }>(
        withCounts(
          `DELETE FROM notifications WHERE ${rowsOfLockedRecipient('$1', '$3')} AND id = ANY($2::uuid[])
           RETURNING id, recipient_id, workspace_id, seq, kind, created_at, ${countedReturning(ROW_FACTS, null)}`,
          'SELECT id FROM changed',
          { action: 'deleted', at: 'now()' },
        ),
        inboxArgs(inbox, wanted),
      );
      return inOrderOf(wanted, rows).map((row) => row.id);
    },

    deleteCreatedBefore: (before) => deleteCreatedBefore(sql, before),

    listUsers: () => sql.query<User>('SELECT id, name FROM users ORDER BY id'),

    async getUsers(ids) {
      if (ids.length === 0) return [];
      const rows = await sql.query<User>('SELECT id, name FROM users WHERE id = ANY($1::text[])', [[...ids]]);
      return inOrderOf(ids, rows);
    },

    async seedUsers(users) {
      if (users.length === 0) return;
      await sql.query(
        `INSERT INTO users (id, name)
         SELECT id, name FROM unnest($1::text[], $2::text[]) AS t (id, name)
         ON CONFLICT (id) DO NOTHING`,
        [users.map((user) => user.id), users.map((user) => user.name)],
      );
    },

    async upsertUser(user) {
      const [row] = await sql.query<User>(
        `INSERT INTO users (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name
         RETURNING id, name`,
        [user.id, user.name],
      );
      if (!row) throw new Error('upsert returned no row');
      return row;
    },

    ...topicSubscriptionStore(sql),

    ...activityOutboxStore(sql),

    ...preferenceStore(sql),

    ...feedStore(sql),

    ...actionStore(sql),

    ...digestStore(sql),

    ...kindStore(sql),

    async ping() {
      await sql.query('SELECT 1');
    },

    close: () => sql.close(),
  };
}
