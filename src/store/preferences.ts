/**
 * Preferences in the store: per (user, kind), the overrides of the kind's defaults only (null
 * follows the default), and the user's time zone. The domain decides what differs from a default;
 * the store merges a change into what it holds, in one transaction, and drops a row left empty.
 */
import type { NotificationKind } from '../notifications/notification.js';
import type { NotificationStore, RecipientKind } from '../notifications/ports.js';
import type { Delivery } from '../notifications/preferences.js';
import type { SqlClient } from './sql-client.js';

type PreferenceStore = Pick<NotificationStore, 'getPreferences' | 'setPreferences' | 'mutedPairs'>;

interface OverrideRow {
  kind: NotificationKind;
  in_app: boolean | null;
  delivery: Delivery | null;
}

export function preferenceStore(sql: SqlClient): PreferenceStore {
  return {
    async getPreferences(userId) {
      const [zones, kinds] = await Promise.all([
        sql.query<{ time_zone: string }>('SELECT time_zone FROM user_settings WHERE user_id = $1', [userId]),
        sql.query<OverrideRow>('SELECT kind, in_app, delivery FROM kind_preferences WHERE user_id = $1 ORDER BY kind', [userId]),
      ]);
      return {
        timeZone: zones[0]?.time_zone ?? null,
        kinds: kinds.map((row) => ({ kind: row.kind, inApp: row.in_app, delivery: row.delivery })),
      };
    },

    async setPreferences(userId, { timeZone, kinds }) {
      await sql.transaction(async (tx) => {
        if (timeZone !== undefined) {
          await tx.query(
            `INSERT INTO user_settings (user_id, time_zone) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone`,
            [userId, timeZone],
          );
        }
        if (kinds.length === 0) return;
        // Per kind, a field is set (to a value, or to null: the default again) only when the
        // change names it; `set_*` says which. Then rows with nothing left to override go.
        await tx.query(
          `INSERT INTO kind_preferences AS p (user_id, kind, in_app, delivery)
           SELECT $1, kind, in_app, delivery
             FROM unnest($2::text[], $3::boolean[], $4::boolean[], $5::text[], $6::boolean[])
                  AS c (kind, set_in_app, in_app, delivery, set_delivery)
           ON CONFLICT (user_id, kind) DO UPDATE SET
             in_app   = CASE WHEN (SELECT set_in_app FROM unnest($2::text[], $3::boolean[]) AS s (kind, set_in_app) WHERE s.kind = EXCLUDED.kind)
                             THEN EXCLUDED.in_app ELSE p.in_app END,
             delivery = CASE WHEN (SELECT set_delivery FROM unnest($2::text[], $6::boolean[]) AS s (kind, set_delivery) WHERE s.kind = EXCLUDED.kind)
                             THEN EXCLUDED.delivery ELSE p.delivery END`,
          [
            userId,
            kinds.map((change) => change.kind),
            kinds.map((change) => change.inApp !== undefined),
            kinds.map((change) => change.inApp ?? null),
            kinds.map((change) => change.delivery ?? null),
            kinds.map((change) => change.delivery !== undefined),
          ],
        );
        await tx.query('DELETE FROM kind_preferences WHERE user_id = $1 AND in_app IS NULL AND delivery IS NULL', [userId]);
      });
    },

    async mutedPairs(pairs) {
      if (pairs.length === 0) return [];
      const rows = await sql.query<{ user_id: string; kind: NotificationKind }>(
        `SELECT p.user_id, p.kind FROM kind_preferences p
           JOIN unnest($1::text[], $2::text[]) AS b (user_id, kind) ON p.user_id = b.user_id AND p.kind = b.kind
          WHERE p.in_app = FALSE
            -- A critical kind is never muted, whatever was stored before it became critical.
            AND NOT EXISTS (SELECT 1 FROM kinds k WHERE k.name = p.kind AND k.critical)`,
        [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.kind)],
      );
      return rows.map((row): RecipientKind => ({ userId: row.user_id, kind: row.kind }));
    },
  };
}
