import { inboxKeyString, type InboxKey } from '../notifications/inbox-key.js';
import type { NewNotification, Notification } from '../notifications/notification.js';
import { assignGroups } from './group-assignment.js';
import { countedReturning, withCounts } from './inbox-counts.js';
import { NOTIFICATION_COLUMNS, toNotification, workspaceColumn, type NotificationRow } from './notification-rows.js';
import type { SqlClient, SqlQuery } from './sql-client.js';

/**
 * Stores a consumed batch in one transaction and returns only the rows it inserted, in input order,
 * so a redelivered batch stores and publishes nothing twice. A constant number of round trips,
 * whatever the batch size.
 */
export async function insertNotifications(sql: SqlClient, items: readonly NewNotification[]): Promise<Notification[]> {
  const unique = firstOfEachId(items);
  if (unique.length === 0) return [];

  return sql.transaction(async (tx) => {
    // Skipping stored ids before allocating keeps a plain redelivery from burning seq numbers.
    const stored = await tx.query<{ id: string }>('SELECT id FROM notifications WHERE id = ANY($1::uuid[])', [
      unique.map((item) => item.id),
    ]);
    const storedIds = new Set(stored.map((row) => row.id));
    const fresh = unique.filter((item) => !storedIds.has(item.id.toLowerCase()));
    if (fresh.length === 0) return [];

    const seqs = await allocateSeqs(tx, fresh);
    // Under the counter rows allocateSeqs just took: see group-assignment.ts for why that is exact.
    const groupSeqs = await assignGroups(tx, fresh, seqs);
    // Counted from what the INSERT returns, so a row skipped by ON CONFLICT is not counted; the
    // counter rows are this transaction's already (allocateSeqs), so counting waits on no one.
    const rows = await tx.query<NotificationRow>(
      withCounts(
        `INSERT INTO notifications (id, recipient_id, seq, sender_id, kind, message, link, data, created_at, actions, group_key, group_seq, workspace_id)
         SELECT id, recipient_id, seq, sender_id, kind, message, link, data::jsonb, created_at, actions::jsonb, group_key, group_seq, workspace_id
           FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::bigint[], $13::text[])
             AS t (id, recipient_id, seq, sender_id, kind, message, link, data, created_at, actions, group_key, group_seq, workspace_id)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning(null)}`,
        `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
      ),
      [
        fresh.map((item) => item.id),
        fresh.map((item) => item.recipientId),
        seqs,
        fresh.map((item) => item.senderId),
        fresh.map((item) => item.kind),
        fresh.map((item) => item.message),
        fresh.map((item) => item.link),
        // As JSON text: pg would send a JS array as a PostgreSQL array, not as JSON.
        fresh.map((item) => (item.data === null ? null : JSON.stringify(item.data))),
        fresh.map((item) => item.createdAt.toISOString()),
        // As JSON text too; none is an empty list, as the column's default.
        fresh.map((item) => JSON.stringify((item.actions ?? []).map((action) => ({ label: action.label, url: action.url, key: action.key })))),
        fresh.map((item) => item.groupKey ?? null),
        groupSeqs,
        fresh.map((item) => workspaceColumn(item.workspaceId)),
      ],
    );

    // A row racing in from another transaction since the check is skipped by ON CONFLICT (leaving a
    // seq gap); (inbox, seq) names each inserted row whatever spelling its uuid had on input.
    const rowKey = (inbox: InboxKey, seq: number | undefined) => `${inboxKeyString(inbox)}\u0000${seq}`;
    const inserted = new Map(rows.map((row) => [rowKey({ userId: row.recipient_id, workspaceId: row.workspace_id || null }, row.seq), row]));
    return fresh.flatMap((item, index) => {
      const row = inserted.get(rowKey(inboxOf(item), seqs[index]));
      return row === undefined ? [] : [toNotification(row)];
    });
  });
}

/**
 * Reserves one seq per item from each recipient's counter, in input order within the batch.
 * The counter's row lock is held until COMMIT, so a later writer of the same recipient waits and
 * gets higher numbers: seq grows in commit order, and a reader that has seen N never later finds a
 * newly committed row below N.
 */
async function allocateSeqs(tx: SqlQuery, items: readonly NewNotification[]): Promise<number[]> {
  // Per inbox: a recipient's rows in a workspace are numbered apart from its others (migration 013).
  const counts = new Map<string, { inbox: InboxKey; count: number }>();
  for (const item of items) {
    const inbox = inboxOf(item);
    const key = inboxKeyString(inbox);
    counts.set(key, { inbox, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  const inboxes = [...counts.values()];

  // ORDER BY makes every batch lock counters in the same order, so two batches cannot deadlock.
  const rows = await tx.query<{ user_id: string; workspace_id: string; last_seq: number }>(
    `INSERT INTO inbox_counters (user_id, workspace_id, last_seq)
     SELECT user_id, workspace_id, n FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t (user_id, workspace_id, n)
      ORDER BY user_id, workspace_id
     ON CONFLICT (user_id, workspace_id) DO UPDATE SET last_seq = inbox_counters.last_seq + EXCLUDED.last_seq
     RETURNING user_id, workspace_id, last_seq`,
    [inboxes.map(({ inbox }) => inbox.userId), inboxes.map(({ inbox }) => workspaceColumn(inbox.workspaceId)), inboxes.map(({ count }) => count)],
  );

  const next = new Map<string, number>();
  for (const row of rows) {
    const key = inboxKeyString({ userId: row.user_id, workspaceId: row.workspace_id || null });
    next.set(key, row.last_seq - (counts.get(key)?.count ?? 0) + 1);
  }
  return items.map((item) => {
    const key = inboxKeyString(inboxOf(item));
    const seq = next.get(key);
    if (seq === undefined) throw new Error(`No seq allocated for recipient ${item.recipientId}`);
    next.set(key, seq + 1);
    return seq;
  });
}

const inboxOf = (item: NewNotification): InboxKey => ({ userId: item.recipientId, workspaceId: item.workspaceId ?? null });

function firstOfEachId(items: readonly NewNotification[]): NewNotification[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = item.id.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
