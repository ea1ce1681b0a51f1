/**
 * Keeping the per-recipient counts (migrations 002, 004 and 007) equal to the rows, and reading them.
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
import { activityOutboxInsert, type ActivityOf } from './activity-outbox.js';

/**
 * What decides a row's counts, as four boolean SQL expressions: read, archived, seen explicitly
 * (`seen_at`; read or archived rows are seen without it, see migration 004), and snoozed
 * (`snoozed_until`, migration 007).
 *
 * Each changing statement passes what its WHERE clause pinned about the row before the change:
 * RETURNING sees only the new values (PostgreSQL 18's `old.` is not available on 15 or PGlite),
 * and the WHERE clause is re-checked against the row version actually changed, so this holds
 * under concurrent writers too. A column a statement does not change is its own value before.
 */
export interface RowFacts {
  read: string;
  archived: string;
  seen: string;
  snoozed: string;
}

/** A row's facts as they are. */
export const ROW_FACTS: RowFacts = {
  read: 'read_at IS NOT NULL',
  archived: 'archived_at IS NOT NULL',
  seen: 'seen_at IS NOT NULL',
  snoozed: 'snoozed_until IS NOT NULL',
};

/** A status from the facts, in the precedence of NOTIFICATION_STATUSES: archived, snoozed, read, unread. */
const statusOf = (facts: RowFacts): string =>
  `CASE WHEN ${facts.archived} THEN 'archived' WHEN ${facts.snoozed} THEN 'snoozed' WHEN ${facts.read} THEN 'read' ELSE 'unread' END`;

/**
 * Unseen: neither seen, read nor archived, and not snoozed. A row read or archived is not unseen,
 * whatever `seen` says; a snoozed one is out of the bell's count until it wakes, unseen again if it
 * was (its `seen_at` is kept).
 */
const unseenOf = (facts: RowFacts): string => `NOT (${facts.read} OR ${facts.archived} OR ${facts.seen} OR ${facts.snoozed})`;

/** The counter column of each status. */
const COUNT_COLUMNS: Record<NotificationStatus, string> = {
  unread: 'unread_count',
  read: 'read_count',
  archived: 'archived_count',
  snoozed: 'snoozed_count',
};

const delta = (status: NotificationStatus) =>
  `count(*) FILTER (WHERE status_after = '${status}') - count(*) FILTER (WHERE status_before = '${status}')`;

/** The SQL of the inbox outside any workspace (migration 013). */
const NO_WORKSPACE = "''";

const UNSEEN_DELTA = 'count(*) FILTER (WHERE unseen_after) - count(*) FILTER (WHERE unseen_before)';

/**
 * The condition naming one recipient's rows in a statement that changes them, taking the
 * recipient's counter row lock on the way: the subquery is an InitPlan, which runs before the
 * scan can hand any row to be changed. A recipient without a counter row has no rows either
 * (every insert creates one, nothing removes it), so matching nothing then is right.
 *
 * The inbox is the recipient's in the workspace `workspaceParam` binds (migration 013: '' outside
 * any, which is what leaving it out names): only that inbox's counter row and rows.
 */
export const rowsOfLockedRecipient = (userParam: string, workspaceParam = NO_WORKSPACE) =>
  `recipient_id = (SELECT user_id FROM inbox_counters WHERE user_id = ${userParam} AND workspace_id = ${workspaceParam} FOR UPDATE) AND workspace_id = ${workspaceParam}`;

/**
 * `change` is an INSERT, UPDATE or DELETE on notifications whose RETURNING gives, for each row it
 * changed, `recipient_id`, `workspace_id` (each inbox is counted on its own, migration 013), `seq` and `countedReturning`'s columns (`status_before` NULL and
 * `unseen_before` FALSE when inserted; `status_after` NULL and `unseen_after` FALSE when deleted),
 * besides what `result` (a SELECT over `changed`) needs.
 *
 * `change` must already hold the counter rows it touches (see the lock order above); should it
 * not, they are still taken in user_id order, as everywhere else: INSERT … SELECT … ORDER BY
 * upserts rows one by one as the sort yields them, where UPDATE … FROM would follow whatever
 * order the join comes out in. The insert branch is never taken in practice (every recipient
 * with rows has a counter row since its first insert); should it be, numbering resumes above
 * the rows at hand rather than at 1. A recipient whose rows all kept their status and
 * unseen-ness (read again, say) is not written at all.
 *
 * With `activity`, an inbox state change also writes one activity outbox row per row it changed
 * (activity-outbox.ts), in this same statement: the change is on the activity topic exactly when
 * the store kept it. `changed` then also returns `id`, `kind` and `created_at`.
 */
export function withCounts(change: string, result: string, activity?: ActivityOf): string {
  return `WITH changed AS (${change}),
          counted AS (
            INSERT INTO inbox_counters AS c (user_id, workspace_id, last_seq, unread_count, read_count, archived_count, snoozed_count, unseen_count)
            SELECT recipient_id, workspace_id, max(seq), ${delta('unread')}, ${delta('read')}, ${delta('archived')}, ${delta('snoozed')}, ${UNSEEN_DELTA}
              FROM changed
             WHERE (status_before, unseen_before) IS DISTINCT FROM (status_after, unseen_after)
             GROUP BY recipient_id, workspace_id
             ORDER BY recipient_id, workspace_id
            ON CONFLICT (user_id, workspace_id) DO UPDATE SET
              unread_count   = c.unread_count + EXCLUDED.unread_count,
              read_count     = c.read_count + EXCLUDED.read_count,
              archived_count = c.archived_count + EXCLUDED.archived_count,
              snoozed_count  = c.snoozed_count + EXCLUDED.snoozed_count,
              unseen_count   = c.unseen_count + EXCLUDED.unseen_count)
          ${activity ? `, outboxed AS (${activityOutboxInsert(activity)})` : ''}
          ${result}`;
}

/**
 * The columns RETURNING adds for `withCounts` (beside recipient_id and seq), given the row's facts
 * before the change and after it; null when there was no row before (inserted) or after (deleted).
 */
export function countedReturning(before: RowFacts | null, after: RowFacts | null = ROW_FACTS): string {
  const status = (facts: RowFacts | null) => (facts === null ? 'NULL::text' : statusOf(facts));
  const unseen = (facts: RowFacts | null) => (facts === null ? 'FALSE' : unseenOf(facts));
  return `${status(before)} AS status_before, ${status(after)} AS status_after, ${unseen(before)} AS unseen_before, ${unseen(after)} AS unseen_after`;
}

/**
 * The SQL condition of an unseen row, as migration 004's partial index spells it. It holds for a
 * snoozed row too, which is not counted unseen while snoozed: pin `snoozed_until` beside it.
 */
export const UNSEEN_ROW = 'seen_at IS NULL AND read_at IS NULL AND archived_at IS NULL';

/**
 * The number of rows of an inbox in any of `statuses`, from its counter row (0 when it has
 * none): a SQL expression, with `userParam` the placeholder of the recipient's id and
 * `workspaceParam` of its workspace column (none: outside any workspace).
 */
export function countedTotal(statuses: readonly NotificationStatus[], userParam: string, workspaceParam = NO_WORKSPACE): string {
  const wanted = [...new Set(statuses)].map((status) => COUNT_COLUMNS[status]);
  if (wanted.length === 0) return '0::bigint';
  return `COALESCE((SELECT ${wanted.join(' + ')} FROM inbox_counters WHERE user_id = ${userParam} AND workspace_id = ${workspaceParam}), 0)`;
}
