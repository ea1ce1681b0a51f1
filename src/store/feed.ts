/**
 * Feed items (issue 17, grouping; migration 011): a notification with no group key is an item of
 * its own, and the notifications of one group are one item. An item is named by `COALESCE(group_seq,
 * seq)`; its place in the feed is its newest notification in the view.
 *
 * Everything an item says (its count, unread count, actors, newest notification) is read from its
 * rows in the statement that reads the page: one snapshot, so it always agrees with the rows, and
 * nothing kept per group can drift from them, whatever reads, archives, snoozes, deletes or
 * retention do. The cost is proportional to the rows of the items on the page (through the
 * members index), not to the inbox.
 *
 * Paging is a keyset on the newest seq of each item in the view (unique: a seq is one row's),
 * newest first: the page walks the inbox's rows newest first and keeps those that are their item's
 * newest in the view. An item that gains a notification while a client pages moves above the
 * client's cursor: it is not on a later page again (no duplicate), and the client learns of it
 * from the live push of that notification (Notification.feedItem), which carries the item as it
 * now is.
 */
import { FEED_ACTORS_MAX, type FeedFilter, type FeedItem, type FeedPage, type FeedPageQuery } from '../notifications/feed-item.js';
import { inboxKey, type InboxRef } from '../notifications/inbox-key.js';
import type { Notification, NotificationStatus } from '../notifications/notification.js';
import { countedReturning, ROW_FACTS, rowsOfLockedRecipient, withCounts } from './inbox-counts.js';
import { statusCondition } from './list-notifications.js';
import { NOTIFICATION_COLUMNS, toNotification, workspaceColumn, type NotificationRow } from './notification-rows.js';
import type { SqlQuery } from './sql-client.js';

const DEFAULT_STATUSES: readonly NotificationStatus[] = ['unread', 'read'];

const UNREAD = 'read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL';

/** A row of the newest notification of an item, with what its item says. */
interface ItemRow extends NotificationRow {
  member_count: number;
  unread_count: number;
  actor_count: number;
  actor_ids: string[];
  first_created_at: Date | null;
}

interface PageRow extends Omit<ItemRow, 'id'> {
  /** Null on the one row that carries only the summary, when the page is empty. */
  id: string | null;
  last_seq: number;
}

/** `$1` the recipient, `$2` the workspace column, throughout. */
const inboxParams = (inbox: InboxRef): [string, string] => {
  const { userId, workspaceId } = inboxKey(inbox);
  return [userId, workspaceColumn(workspaceId)];
};

/**
 * The summary columns of the item whose newest row is `head`, over its rows in `view` (unqualified
 * names there are the members'). A row without a key has no other member: what it says is its own.
 */
function itemColumns(view: string): string {
  const members = `FROM notifications WHERE recipient_id = head.recipient_id AND workspace_id = head.workspace_id AND group_seq = head.group_seq AND ${view}`;
  return `s.member_count, s.unread_count, s.actor_count, s.first_created_at,
          ARRAY(SELECT sender_id ${members} AND sender_id IS NOT NULL
                 GROUP BY sender_id ORDER BY max(seq) DESC LIMIT ${FEED_ACTORS_MAX}) AS actor_ids`;
}

function itemJoin(view: string): string {
  return `LEFT JOIN LATERAL (
            SELECT count(*) AS member_count, count(*) FILTER (WHERE ${UNREAD}) AS unread_count,
                   count(DISTINCT sender_id) AS actor_count, min(created_at) AS first_created_at
              FROM notifications
             WHERE recipient_id = head.recipient_id AND workspace_id = head.workspace_id AND group_seq = head.group_seq AND ${view}) s ON TRUE`;
}

/**
 * Whether the row of `notifications` in scope (unaliased) is the newest of its item in `view`; a
 * row without a key always is. The members are aliased, so `view`'s names are theirs.
 */
const newestOfItem = (view: string) =>
  `(notifications.group_seq IS NULL OR NOT EXISTS (
     SELECT 1 FROM notifications m
      WHERE m.recipient_id = notifications.recipient_id AND m.workspace_id = notifications.workspace_id
        AND m.group_seq = notifications.group_seq AND m.seq > notifications.seq AND ${view}))`;

function toFeedItem(row: ItemRow): FeedItem {
  const latest: Notification = toNotification(row);
  if (row.group_seq === null) {
    return {
      recipientId: row.recipient_id,
      itemSeq: Number(row.seq),
      groupKey: null,
      latest,
      count: 1,
      unreadCount: latest.readAt === null && latest.archivedAt === null && latest.snoozedUntil === null ? 1 : 0,
      actorCount: row.sender_id === null ? 0 : 1,
      actorIds: row.sender_id === null ? [] : [row.sender_id],
      firstCreatedAt: row.created_at,
    };
  }
  return {
    recipientId: row.recipient_id,
    itemSeq: Number(row.group_seq),
    groupKey: row.group_key,
    latest,
    count: Number(row.member_count),
    unreadCount: Number(row.unread_count),
    actorCount: Number(row.actor_count),
    actorIds: row.actor_ids,
    firstCreatedAt: row.first_created_at ?? row.created_at,
  };
}

const viewOf = (filter: FeedFilter | undefined) => statusCondition(filter?.status ?? DEFAULT_STATUSES);

export async function listFeed(sql: SqlQuery, query: FeedPageQuery): Promise<FeedPage> {
  const view = viewOf(query.filter);
  const params: unknown[] = [...inboxParams({ userId: query.userId, workspaceId: query.workspaceId ?? null }), query.first + 1];
  const after = query.after === undefined ? '' : `AND seq < $${params.push(query.after)}`;
  // One statement: the summary row (the inbox's newest seq) joined to the page, which comes back
  // alone when the page is empty, all in one snapshot.
  const rows = await sql.query<PageRow>(
    `WITH summary AS (
       SELECT COALESCE((SELECT last_seq FROM inbox_counters WHERE user_id = $1 AND workspace_id = $2), 0) AS last_seq),
     head AS (
       SELECT ${NOTIFICATION_COLUMNS} FROM notifications
        WHERE recipient_id = $1 AND workspace_id = $2 AND ${view} ${after} AND ${newestOfItem(view)}
        ORDER BY seq DESC LIMIT $3),
     page AS (
       SELECT head.*, ${itemColumns(view)} FROM head ${itemJoin(view)})
     SELECT page.*, summary.* FROM summary LEFT JOIN page ON TRUE ORDER BY page.seq DESC`,
    params,
  );
  const found = rows.filter((row): row is PageRow & { id: string } => row.id !== null);
  return {
    items: found.slice(0, query.first).map(toFeedItem),
    hasNextPage: found.length > query.first,
    lastSeq: Number(rows[0]?.last_seq ?? 0),
  };
}

/** Each named item as the default view shows it: its newest row there, with what it says. */
export async function feedItems(sql: SqlQuery, inbox: InboxRef, itemSeqs: readonly number[]): Promise<(FeedItem | null)[]> {
  if (itemSeqs.length === 0) return [];
  const view = viewOf(undefined);
  const rows = await sql.query<ItemRow>(
    `WITH head AS (
       SELECT DISTINCT ON (COALESCE(group_seq, seq)) ${NOTIFICATION_COLUMNS} FROM notifications
        WHERE recipient_id = $1 AND workspace_id = $2 AND ${view}
          AND (group_seq = ANY($3::bigint[]) OR (group_seq IS NULL AND seq = ANY($3::bigint[])))
        ORDER BY COALESCE(group_seq, seq), seq DESC)
     SELECT head.*, ${itemColumns(view)} FROM head ${itemJoin(view)}`,
    [...inboxParams(inbox), [...itemSeqs]],
  );
  const found = new Map(rows.map((row) => [Number(row.group_seq ?? row.seq), toFeedItem(row)]));
  return itemSeqs.map((itemSeq) => found.get(itemSeq) ?? null);
}

/**
 * Reads every unread notification of the item (those the feed shows as unread: a snoozed or
 * archived one is left as markAllRead leaves it), in one statement that keeps the counts and
 * writes one activity row per notification read, as markRead does.
 */
export async function markFeedItemRead(sql: SqlQuery, inbox: InboxRef, itemSeq: number, at: Date): Promise<Notification[]> {
  const rows = await sql.query<NotificationRow>(
    withCounts(
      `UPDATE notifications SET read_at = $4
        WHERE ${rowsOfLockedRecipient('$1', '$2')}
          AND (group_seq = $3 OR (group_seq IS NULL AND seq = $3)) AND ${UNREAD}
       RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, read: 'FALSE', archived: 'FALSE', snoozed: 'FALSE' })}`,
      `SELECT ${NOTIFICATION_COLUMNS} FROM changed ORDER BY seq`,
      { action: 'read', at: '$4::timestamptz' },
    ),
    [...inboxParams(inbox), itemSeq, at.toISOString()],
  );
  return rows.map(toNotification);
}

export const feedStore = (sql: SqlQuery) => ({
  listFeed: (query: FeedPageQuery) => listFeed(sql, query),
  feedItems: (inbox: InboxRef, itemSeqs: readonly number[]) => feedItems(sql, inbox, itemSeqs),
  markFeedItemRead: (inbox: InboxRef, itemSeq: number, at: Date) => markFeedItemRead(sql, inbox, itemSeq, at),
});
