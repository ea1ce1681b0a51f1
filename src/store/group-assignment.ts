/**
 * Which feed item each row of a batch joins (migration 011), decided inside the insert's
 * transaction, after the batch took its recipients' counter rows (allocateSeqs).
 *
 * That lock is what keeps grouping exact: every writer of an inbox (another batch of inserts, a
 * read, an archive, a snooze, a wake-up) takes the recipient's counter row first and holds it
 * until it commits, so under READ COMMITTED the query below sees every row and every read state
 * committed before it, and nothing of that inbox changes until this transaction commits. Two
 * batches racing into one group are serialized by it: the second finds the group the first opened
 * and joins it, rather than opening a second item. A redelivered row never gets here (the insert
 * skips ids stored before), so it joins nothing twice.
 */
import type { NewNotification } from '../notifications/notification.js';
import { workspaceColumn } from './notification-rows.js';
import type { SqlQuery } from './sql-client.js';

interface Pair {
  recipientId: string;
  /** The workspace column's value (migration 013): a group is of one inbox. */
  workspace: string;
  groupKey: string;
}

const pairKey = ({ recipientId, workspace, groupKey }: Pair) => `${recipientId}\u0000${workspace}\u0000${groupKey}`;
const pairOf = (item: NewNotification): Pair | null =>
  item.groupKey ? { recipientId: item.recipientId, workspace: workspaceColumn(item.workspaceId), groupKey: item.groupKey } : null;

/**
 * Per item, in input order: the seq of the first row of the group it joins (its own seq when it
 * opens one), or null when it has no group key. `seqs` are the items' own, as allocated.
 */
export async function assignGroups(tx: SqlQuery, items: readonly NewNotification[], seqs: readonly number[]): Promise<(number | null)[]> {
  const pairs = new Map<string, Pair>();
  for (const item of items) {
    const pair = pairOf(item);
    if (pair) pairs.set(pairKey(pair), pair);
  }
  if (pairs.size === 0) return items.map(() => null);
  const asked = [...pairs.values()];

  // The newest group of each (recipient, key) that still has an unread member: the one to join.
  // Older groups with unread members (one marked unread again after a newer group opened) keep
  // what they have; a new row goes to the newest. One query per batch, on the open-group index.
  const open = await tx.query<{ recipient_id: string; workspace_id: string; group_key: string; group_seq: number }>(
    `SELECT DISTINCT ON (n.recipient_id, n.workspace_id, n.group_key) n.recipient_id, n.workspace_id, n.group_key, n.group_seq
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t (recipient_id, workspace_id, group_key)
       JOIN notifications n ON n.recipient_id = t.recipient_id AND n.workspace_id = t.workspace_id AND n.group_key = t.group_key
      WHERE n.read_at IS NULL AND n.archived_at IS NULL AND n.snoozed_until IS NULL
      ORDER BY n.recipient_id, n.workspace_id, n.group_key, n.group_seq DESC`,
    [asked.map((pair) => pair.recipientId), asked.map((pair) => pair.workspace), asked.map((pair) => pair.groupKey)],
  );
  const groupOf = new Map(
    open.map((row) => [pairKey({ recipientId: row.recipient_id, workspace: row.workspace_id, groupKey: row.group_key }), Number(row.group_seq)]),
  );

  // In input order, which is seq order per inbox: the first row of a key with no open group
  // opens one, and the batch's later rows of that key join it.
  return items.map((item, index) => {
    const pair = pairOf(item);
    if (!pair) return null;
    const joined = groupOf.get(pairKey(pair));
    if (joined !== undefined) return joined;
    const opened = seqs[index]!;
    groupOf.set(pairKey(pair), opened);
    return opened;
  });
}
