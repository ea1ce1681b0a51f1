import { countedReturning, ROW_FACTS, withCounts } from './inbox-counts.js';
import type { SqlClient } from './sql-client.js';

/** Bounds how many inboxes one retention transaction holds still (their ingest waits meanwhile). */
const RECIPIENTS_PER_TRANSACTION = 500;

/**
 * Retention: removes the notifications created before `before`, and their counts with them;
 * returns how many. Each transaction takes its recipients' counter rows first, in user_id order,
 * before their rows (the lock order of inbox-counts.ts), so retention cannot deadlock with ingest
 * or inbox changes. A recipient whose first old row commits after the recipients were listed is
 * left for the next run.
 *
 * Counter rows stay, at zero if need be: a recipient's seq must never restart below numbers
 * clients have seen.
 */
export async function deleteCreatedBefore(sql: SqlClient, before: Date): Promise<number> {
  const cutoff = before.toISOString();
  const recipients = (
    await sql.query<{ recipient_id: string }>(
      'SELECT DISTINCT recipient_id FROM notifications WHERE created_at < $1 ORDER BY recipient_id',
      [cutoff],
    )
  ).map((row) => row.recipient_id);

  let removed = 0;
  for (let start = 0; start < recipients.length; start += RECIPIENTS_PER_TRANSACTION) {
    const chunk = recipients.slice(start, start + RECIPIENTS_PER_TRANSACTION);
    removed += await sql.transaction(async (tx) => {
      const locked = await tx.query<{ user_id: string }>(
        // Every inbox of theirs (one per workspace, migration 013), in the lock order of inbox-counts.ts.
        'SELECT user_id FROM inbox_counters WHERE user_id = ANY($1::text[]) ORDER BY user_id, workspace_id FOR UPDATE',
        [chunk],
      );
      const [row] = await tx.query<{ count: number }>(
        withCounts(
          `DELETE FROM notifications WHERE created_at < $1 AND recipient_id = ANY($2::text[])
           RETURNING recipient_id, workspace_id, seq, ${countedReturning(ROW_FACTS, null)}`,
          'SELECT count(*) AS count FROM changed',
        ),
        [cutoff, [...new Set(locked.map((each) => each.user_id))]],
      );
      return row?.count ?? 0;
    });
  }
  return removed;
}
