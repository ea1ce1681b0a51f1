/**
 * Test-only reads that hold the stored counts against the rows, counted afresh: the store never
 * runs these, so they check its bookkeeping rather than repeat it.
 */
import type { NotificationStatus } from '../../src/notifications/notification.js';
import type { SqlQuery } from '../../src/store/sql-client.js';

export type Counts = Record<NotificationStatus, number>;

interface CountRow {
  user_id: string;
  unread: number;
  read: number;
  archived: number;
}

const FRESH = `SELECT recipient_id AS user_id,
                      count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL) AS unread,
                      count(*) FILTER (WHERE read_at IS NOT NULL AND archived_at IS NULL) AS read,
                      count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived
                 FROM notifications GROUP BY recipient_id`;

/** Every recipient's rows, counted by status now: SELECT count(*) … GROUP BY. */
export async function freshCounts(sql: SqlQuery, userId: string): Promise<Counts> {
  const [row] = await sql.query<CountRow>(`SELECT * FROM (${FRESH}) AS fresh WHERE user_id = $1`, [userId]);
  return { unread: row?.unread ?? 0, read: row?.read ?? 0, archived: row?.archived ?? 0 };
}

/** The counts as the store keeps them. */
export async function storedCounts(sql: SqlQuery, userId: string): Promise<Counts | undefined> {
  const [row] = await sql.query<CountRow>(
    `SELECT user_id, unread_count AS unread, read_count AS read, archived_count AS archived
       FROM inbox_counters WHERE user_id = $1`,
    [userId],
  );
  return row && { unread: row.unread, read: row.read, archived: row.archived };
}

/**
 * Every recipient, in the whole database, whose kept counts differ from a fresh count (a
 * recipient with rows but no counter row included), with both; empty when all agree. One
 * statement, so one snapshot: writers committing meanwhile cannot make it report a drift.
 */
export async function countDrift(sql: SqlQuery): Promise<{ userId: string; stored: Counts | null; fresh: Counts }[]> {
  const rows = await sql.query<{ user_id: string; stored: CountRow | null; fresh: CountRow | null }>(
    `WITH fresh AS (${FRESH}),
          stored AS (SELECT user_id, unread_count AS unread, read_count AS read, archived_count AS archived FROM inbox_counters)
     SELECT user_id, to_jsonb(stored) AS stored, to_jsonb(fresh) AS fresh
       FROM stored FULL JOIN fresh USING (user_id)
      WHERE (stored.unread, stored.read, stored.archived)
            IS DISTINCT FROM (COALESCE(fresh.unread, 0), COALESCE(fresh.read, 0), COALESCE(fresh.archived, 0))
      ORDER BY user_id`,
  );
  const counts = (row: CountRow | null): Counts => ({ unread: row?.unread ?? 0, read: row?.read ?? 0, archived: row?.archived ?? 0 });
  return rows.map((row) => ({ userId: row.user_id, stored: row.stored && counts(row.stored), fresh: counts(row.fresh) }));
}
