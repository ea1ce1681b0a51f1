/**
 * The activity outbox (migration 005): written by the statements that change inbox state, read
 * and emptied by the relay (notifications/activity-relay.ts).
 *
 * The relay leases a page (`claimed_until`) in one short statement, produces it, then deletes it;
 * it never holds a transaction open while Kafka answers. A transaction held across a produce
 * would keep a pooled connection and the page's row locks for up to the send timeout, and on
 * PGlite, whose transactions hold the whole database, stall every other store call meanwhile.
 * A lease needs no connection: should the relay die, its rows are taken again once it ran out.
 */
import type { ActivityAction } from '../notifications/activity-event.js';
import type { NotificationKind } from '../notifications/notification.js';
import type { ActivityBacklog, OutboxedActivity } from '../notifications/ports.js';
import type { SqlClient } from './sql-client.js';

/** What an inbox state change tells the outbox: the action of every row it changed, and when (a SQL expression of type timestamptz). */
export interface ActivityOf {
  action: ActivityAction;
  at: string;
}

/**
 * The INSERT that `withCounts` runs beside the count, over the rows the change returned: one
 * outbox row per notification changed, numbered in the inbox's order. `action` is one of a
 * fixed set (ActivityAction), never caller text.
 */
export const activityOutboxInsert = ({ action, at }: ActivityOf): string =>
  `INSERT INTO activity_outbox (action, user_id, notification_id, kind, notification_created_at, changed_at)
   SELECT '${action}', recipient_id, id, kind, created_at, ${at} FROM changed ORDER BY seq`;

interface OutboxRow {
  seq: number;
  id: string;
  action: ActivityAction;
  user_id: string;
  notification_id: string;
  kind: NotificationKind;
  notification_created_at: Date;
  changed_at: Date;
}

const toActivity = (row: OutboxRow): OutboxedActivity => ({
  position: row.seq,
  id: row.id,
  action: row.action,
  userId: row.user_id,
  notificationId: row.notification_id,
  kind: row.kind,
  notificationCreatedAt: row.notification_created_at,
  at: row.changed_at,
});

export function activityOutboxStore(sql: SqlClient) {
  return {
    /**
     * Leases the oldest rows nobody holds, at most `limit`, for `leaseMs`. A row is left while an
     * older row of its recipient is leased to someone else, so each recipient's changes reach the
     * topic in order however many relays drain the table; the claims of all relays are made one
     * at a time (an advisory lock for the length of this short transaction) so none sees a
     * recipient as free while another is leasing its rows. SKIP LOCKED passes over rows a relay
     * is deleting.
     */
    async claimActivity(limit: number, leaseMs: number): Promise<OutboxedActivity[]> {
      const rows = await sql.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('kafka-notify:activity-outbox:' || current_schema()))`);
        return tx.query<OutboxRow>(
          `UPDATE activity_outbox SET claimed_until = clock_timestamp() + $2 * interval '1 millisecond'
            WHERE seq IN (
              SELECT seq FROM activity_outbox AS o
               WHERE (o.claimed_until IS NULL OR o.claimed_until < clock_timestamp())
                 AND NOT EXISTS (
                   SELECT 1 FROM activity_outbox AS older
                    WHERE older.user_id = o.user_id AND older.seq < o.seq AND older.claimed_until >= clock_timestamp())
               ORDER BY seq
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
           RETURNING seq, id, action, user_id, notification_id, kind, notification_created_at, changed_at`,
          [limit, leaseMs],
        );
      });
      return rows.sort((a, b) => a.seq - b.seq).map(toActivity);
    },

    /** Kafka acknowledged them: gone. */
    async deleteActivity(positions: readonly number[]): Promise<void> {
      if (positions.length === 0) return;
      await sql.query('DELETE FROM activity_outbox WHERE seq = ANY($1::bigint[])', [[...positions]]);
    },

    /** Kafka did not take them: free for the next claim at once rather than when the lease runs out. */
    async releaseActivity(positions: readonly number[]): Promise<void> {
      if (positions.length === 0) return;
      await sql.query('UPDATE activity_outbox SET claimed_until = NULL WHERE seq = ANY($1::bigint[])', [[...positions]]);
    },

    async activityBacklog(): Promise<ActivityBacklog> {
      const [row] = await sql.query<{ rows: number; oldest: Date | null }>('SELECT count(*) AS rows, min(changed_at) AS oldest FROM activity_outbox');
      return { rows: row?.rows ?? 0, oldestAt: row?.oldest ?? null };
    },
  };
}
