/**
 * Keeping the per-recipient counts (migration 002) equal to the rows, and reading them.
 *
 * Each statement that changes notifications is wrapped so that, in that same statement, the
 * recipients' counts move by exactly the rows it changed: a row skipped by ON CONFLICT, already
 * read, already archived or already gone is not in its RETURNING, so it is not counted. The
 * counts are adjusted relatively (`+ delta`) under the counter row's lock, so concurrent
 * statements on one recipient add up rather than overwrite each other.
 *
 * Lock order, the same for every writer: a recipient's counter row first (several recipients'
 * in user_id order), then its notification rows. Ingest must take the counter first, to number
 * rows before inserting them; and an insert that meets a row another transaction is changing
 * (a redelivered id, say) waits for that transaction. Were that one to take the counter row
 * after its rows, the two would deadlock (the contract's concurrent case did, until this order).
 * It also serializes the writers of one inbox, so that two bulk changes of it cannot deadlock
 * on the order they meet its rows in.
 */
import type { NotificationStatus } from '../notifications/notification.js';

/**
 * A status from two boolean SQL expressions, with archived ahead of read as everywhere else.
 * Each changing statement passes what its WHERE clause pinned about the row before the change:
 * RETURNING sees only the new values (PostgreSQL 18's `old.` is not available on 15 or PGlite),
 * and the WHERE clause is re-checked against the row version actually changed, so this holds
 * under concurrent writers too.
 */
export function statusOf(isRead: string, isArchived: string): string {
  return `CASE WHEN ${isArchived} THEN 'archived' WHEN ${isRead} THEN 'read' ELSE 'unread' END`;
}

/** A row's status as it is. */
export const ROW_STATUS = statusOf('read_at IS NOT NULL', 'archived_at IS NOT NULL');

/** The counter column of each status. */
const COUNT_COLUMNS: Record<NotificationStatus, string> = {
  unread: 'unread_count',
  read: 'read_count',
  archived: 'archived_count',
};

const delta = (status: NotificationStatus) =>
  `count(*) FILTER (WHERE status_after = '${status}') - count(*) FILTER (WHERE status_before = '${status}')`;

/**
 * The condition naming one recipient's rows in a statement that changes them, taking the
 * recipient's counter row lock on the way: the subquery is an InitPlan, which runs before the
 * scan can hand any row to be changed. A recipient without a counter row has no rows either
 * (every insert creates one, nothing removes it), so matching nothing then is right.
 */
export const rowsOfLockedRecipient = (userParam: string) =>
  `recipient_id = (SELECT user_id FROM inbox_counters WHERE user_id = ${userParam} FOR UPDATE)`;

/**
 * `change` is an INSERT, UPDATE or DELETE on notifications whose RETURNING gives, for each row it
 * changed, `recipient_id`, `seq`, `status_before` (NULL when inserted) and `status_after` (NULL
 * when deleted), besides what `result` (a SELECT over `changed`) needs.
 *
 * `change` must already hold the counter rows it touches (see the lock order above); should it
 * not, they are still taken in user_id order, as everywhere else: INSERT … SELECT … ORDER BY
 * upserts rows one by one as the sort yields them, where UPDATE … FROM would follow whatever
 * order the join comes out in. The insert branch is never taken in practice (every recipient
 * with rows has a counter row since its first insert); should it be, numbering resumes above
 * the rows at hand rather than at 1. A recipient whose rows all kept their status (read again,
 * say) is not written at all.
 */
export function withCounts(change: string, result: string): string {
  return `WITH changed AS (${change}),
          counted AS (
            INSERT INTO inbox_counters AS c (user_id, last_seq, unread_count, read_count, archived_count)
            SELECT recipient_id, max(seq), ${delta('unread')}, ${delta('read')}, ${delta('archived')}
              FROM changed
             WHERE status_before IS DISTINCT FROM status_after
             GROUP BY recipient_id
             ORDER BY recipient_id
            ON CONFLICT (user_id) DO UPDATE SET
              unread_count   = c.unread_count + EXCLUDED.unread_count,
              read_count     = c.read_count + EXCLUDED.read_count,
              archived_count = c.archived_count + EXCLUDED.archived_count)
          ${result}`;
}

/** The status columns RETURNING adds for `withCounts` (beside recipient_id and seq), given the status before. */
export const countedReturning = (statusBefore: string, statusAfter: string = ROW_STATUS) =>
  `${statusBefore} AS status_before, ${statusAfter} AS status_after`;

/**
 * The number of rows of a recipient in any of `statuses`, from its counter row (0 when it has
 * none): a SQL expression, with `userParam` the placeholder of the recipient's id.
 */
export function countedTotal(statuses: readonly NotificationStatus[], userParam: string): string {
  const wanted = [...new Set(statuses)].map((status) => COUNT_COLUMNS[status]);
  if (wanted.length === 0) return '0::bigint';
  return `COALESCE((SELECT ${wanted.join(' + ')} FROM inbox_counters WHERE user_id = ${userParam}), 0)`;
}
