/**
 * The kind registry in the store (migration 009). An upsert takes the table's lock for its
 * transaction, so two registrations at once (two instances, or a KINDS_FILE start beside an admin
 * mutation) cannot together pass the bound: the count it checks is the count it commits against.
 * Readers are not blocked (the lock mode lets SELECT through).
 */
import type { KindSpec, RegisteredKind } from '../notifications/kinds.js';
import type { NotificationStore } from '../notifications/ports.js';
import type { Delivery } from '../notifications/preferences.js';
import type { SqlClient } from './sql-client.js';

type KindStore = Pick<NotificationStore, 'listKinds' | 'upsertKinds'>;

interface KindRow {
  name: string;
  description: string;
  default_delivery: Delivery;
  critical: boolean;
  created_at: Date;
  updated_at: Date;
}

const KIND_COLUMNS = 'name, description, default_delivery, critical, created_at, updated_at';

const toKind = (row: KindRow): RegisteredKind => ({
  name: row.name,
  description: row.description,
  defaultDelivery: row.default_delivery,
  critical: row.critical,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function kindStore(sql: SqlClient): KindStore {
  return {
    async listKinds() {
      return (await sql.query<KindRow>(`SELECT ${KIND_COLUMNS} FROM kinds ORDER BY position`)).map(toKind);
    },

    async upsertKinds(kinds, max) {
      if (kinds.length === 0) return { ok: true, kinds: [] };
      // The last of a name wins, as it would one statement after another.
      const byName = new Map<string, KindSpec>(kinds.map((kind) => [kind.name, kind]));
      const names = [...byName.keys()];
      const specs = [...byName.values()];
      return sql.transaction(async (tx) => {
        // Self-conflicting, so upserts run one at a time; SELECTs pass.
        await tx.query('LOCK TABLE kinds IN SHARE ROW EXCLUSIVE MODE');
        const [counts] = await tx.query<{ registered: number; added: number }>(
          `SELECT (SELECT count(*) FROM kinds)::int AS registered,
                  (SELECT count(*) FROM unnest($1::text[]) AS n (name) WHERE NOT EXISTS (SELECT 1 FROM kinds k WHERE k.name = n.name))::int AS added`,
          [names],
        );
        const registered = counts?.registered ?? 0;
        if (registered + (counts?.added ?? 0) > max) return { ok: false, registered };
        // updated_at moves only when something changed.
        await tx.query(
          `INSERT INTO kinds AS k (name, description, default_delivery, critical)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[])
           ON CONFLICT (name) DO UPDATE SET
             description = EXCLUDED.description,
             default_delivery = EXCLUDED.default_delivery,
             critical = EXCLUDED.critical,
             updated_at = now()
           WHERE (k.description, k.default_delivery, k.critical) IS DISTINCT FROM (EXCLUDED.description, EXCLUDED.default_delivery, EXCLUDED.critical)`,
          [names, specs.map((kind) => kind.description), specs.map((kind) => kind.defaultDelivery), specs.map((kind) => kind.critical)],
        );
        const rows = await tx.query<KindRow>(`SELECT ${KIND_COLUMNS} FROM kinds WHERE name = ANY($1::text[]) ORDER BY position`, [names]);
        return { ok: true, kinds: rows.map(toKind) };
      });
    },
  };
}
