/**
 * Test-only reads that hold the stored counts against the rows, counted afresh: the store never
 * runs these, so they check its bookkeeping rather than repeat it.
 */
import type { NotificationStatus } from '../../src/notifications/notification.js';
import type { SqlQuery } from '../../src/store/sql-client.js';

/**
 * By status, and unseen (neither seen, read nor archived, nor snoozed: the bell's count) across
 * them. `snoozed` is there only when some are (so the cases written before snooze read as they were).
 */
export type Counts = Record<Exclude<NotificationStatus, 'snoozed'>, number> & { unseen: number; snoozed?: number };

interface CountRow {
  user_id: string;
  workspace_id: string;
  unread: number;
  read: number;
  archived: number;
  snoozed: number;
  unseen: number;
}

const FRESH = `SELECT recipient_id AS user_id, workspace_id,
                      count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL) AS unread,
                      count(*) FILTER (WHERE read_at IS NOT NULL AND archived_at IS NULL AND snoozed_until IS NULL) AS read,
                      count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived,
                      count(*) FILTER (WHERE snoozed_until IS NOT NULL AND archived_at IS NULL) AS snoozed,
                      count(*) FILTER (WHERE seen_at IS NULL AND read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL) AS unseen
                 FROM notifications GROUP BY recipient_id, workspace_id`;

const STORED = `SELECT user_id, workspace_id, unread_count AS unread, read_count AS read, archived_count AS archived, snoozed_count AS snoozed, unseen_count AS unseen
                  FROM inbox_counters`;

const counts = (row: CountRow | null | undefined): Counts => ({
  unread: row?.unread ?? 0,
  read: row?.read ?? 0,
  archived: row?.archived ?? 0,
  unseen: row?.unseen ?? 0,
  ...(row?.snoozed ? { snoozed: row.snoozed } : {}),
});

/** An inbox's rows (the user's outside any workspace unless one is named), counted by status now: SELECT count(*) … GROUP BY. */
export async function freshCounts(sql: SqlQuery, userId: string, workspaceId: string | null = null): Promise<Counts> {
  const [row] = await sql.query<CountRow>(`SELECT * FROM (${FRESH}) AS fresh WHERE user_id = $1 AND workspace_id = $2`, [userId, workspaceId ?? '']);
  return counts(row);
}

/** The counts as the store keeps them. */
export async function storedCounts(sql: SqlQuery, userId: string, workspaceId: string | null = null): Promise<Counts | undefined> {
  const [row] = await sql.query<CountRow>(`SELECT * FROM (${STORED}) AS stored WHERE user_id = $1 AND workspace_id = $2`, [userId, workspaceId ?? '']);
  return row && counts(row);
}

/**
* Every inbox (a recipient's in each workspace, migration 013), in the whole database, whose kept counts differ from a fresh count (a
 * recipient with rows but no counter row included), with both; empty when all agree. One
 * statement, so one snapshot: writers committing meanwhile cannot make it report a drift.
 */
export async function countDrift(sql: SqlQuery): Promise<{ userId: string; workspaceId: string; stored: Counts | null; fresh: Counts }[]> {
  const rows = await sql.query<{ user_id: string; workspace_id: string; stored: CountRow | null; fresh: CountRow | null }>(
    `WITH fresh AS (${FRESH}),
          stored AS (${STORED})
     SELECT user_id, workspace_id, to_jsonb(stored) AS stored, to_jsonb(fresh) AS fresh
       FROM stored FULL JOIN fresh USING (user_id, workspace_id)
      WHERE (stored.unread, stored.read, stored.archived, stored.snoozed, stored.unseen)
            IS DISTINCT FROM (COALESCE(fresh.unread, 0), COALESCE(fresh.read, 0), COALESCE(fresh.archived, 0), COALESCE(fresh.snoozed, 0), COALESCE(fresh.unseen, 0))
      ORDER BY user_id, workspace_id`,
  );
  return rows.map((row) => ({ userId: row.user_id, workspaceId: row.workspace_id, stored: row.stored && counts(row.stored), fresh: counts(row.fresh) }));
}
