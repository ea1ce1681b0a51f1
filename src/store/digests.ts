/**
 * Digests in the store (migration 012): the periods and the notifications they hold. Adding takes
 * each period's row lock (an upsert) before looking at its state, and a closer claims only rows
 * no one holds (FOR UPDATE SKIP LOCKED): an item is either in a period before it is claimed, and
 * so in its summary, or it goes to the next period. Never in none, never in two.
 */
import type { NotificationKind } from '../notifications/notification.js';
import type { DigestDelivery, DigestPeriod, NotificationStore, RecipientKind } from '../notifications/ports.js';
import type { Delivery } from '../notifications/preferences.js';
import type { SqlClient, SqlQuery } from './sql-client.js';

type DigestStore = Pick<NotificationStore, 'digestRouting' | 'addDigestItems' | 'claimDueDigests' | 'nextDigestDue' | 'closeDigests' | 'pruneDigests' | 'digestBacklog'>;

interface PeriodRow {
  recipient_id: string;
  workspace_id: string;
  kind: NotificationKind;
  delivery: DigestDelivery;
  period_start: Date;
  period_end: Date;
}

const keyOf = (period: Pick<DigestPeriod, 'recipientId' | 'workspaceId' | 'kind' | 'delivery' | 'start'>) =>
  `${period.recipientId}\u0000${period.workspaceId ?? ''}\u0000${period.kind}\u0000${period.delivery}\u0000${period.start.toISOString()}`;

/** Outside any workspace is '' in the tables, as in the inbox's (migration 013); null in the domain. */
const toPeriod = (row: PeriodRow): DigestPeriod => ({
  recipientId: row.recipient_id,
  workspaceId: row.workspace_id === '' ? null : row.workspace_id,
  kind: row.kind,
  delivery: row.delivery,
  start: row.period_start,
  end: row.period_end,
});

const iso = (date: Date) => date.toISOString();

/** Key columns of periods, as unnest arrays: $1 recipients, $2 workspaces, $3 kinds, $4 deliveries, $5 starts. */
const periodKeys = (periods: readonly DigestPeriod[]) => [
  periods.map((p) => p.recipientId),
  periods.map((p) => p.workspaceId ?? ''),
  periods.map((p) => p.kind),
  periods.map((p) => p.delivery),
  periods.map((p) => iso(p.start)),
];
const KEY_COLUMNS = 'recipient_id, workspace_id, kind, delivery, period_start';
/** The key arrays $1-$5 as a table `c`, and the condition that joins it to `alias`. */
const KEYS_TABLE = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS c (${KEY_COLUMNS})`;
const joinsKeys = (alias: string) =>
  `${alias}.recipient_id = c.recipient_id AND ${alias}.workspace_id = c.workspace_id AND ${alias}.kind = c.kind AND ${alias}.delivery = c.delivery AND ${alias}.period_start = c.period_start`;

/**
 * Opens the periods that are missing and locks them all (in key order, so two adders never wait on
 * each other in a cycle); answers the keys of those still open (neither claimed nor closed).
 */
async function lockPeriods(tx: SqlQuery, periods: readonly DigestPeriod[]): Promise<Set<string>> {
  const sorted = [...periods].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  const rows = await tx.query<PeriodRow & { open: boolean }>(
    `INSERT INTO digest_periods AS p (${KEY_COLUMNS}, period_end)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
     ON CONFLICT (${KEY_COLUMNS}) DO UPDATE SET period_end = p.period_end
     RETURNING ${KEY_COLUMNS}, period_end, (closing_until IS NULL AND closed_at IS NULL) AS open`,
    [...periodKeys(sorted), sorted.map((p) => iso(p.end))],
  );
  return new Set(rows.filter((row) => row.open).map((row) => keyOf(toPeriod(row))));
}

export function digestStore(sql: SqlClient): DigestStore {
  return {
    async digestRouting(pairs, ids) {
      if (pairs.length === 0 && ids.length === 0) return { deliveries: [], timeZones: [], digested: [] };
      // One statement, one round trip per batch: the delivery overrides, the time zones, the ids kept.
      const rows = await sql.query<{ part: 'delivery' | 'zone' | 'kept'; user_id: string | null; kind: NotificationKind | null; value: string }>(
        `SELECT 'delivery' AS part, p.user_id, p.kind, p.delivery AS value FROM kind_preferences p
           JOIN unnest($1::text[], $2::text[]) AS b (user_id, kind) ON p.user_id = b.user_id AND p.kind = b.kind
          WHERE p.delivery IS NOT NULL
         UNION ALL
         SELECT 'zone', user_id, NULL, time_zone FROM user_settings WHERE user_id = ANY($3::text[])
         UNION ALL
         SELECT 'kept', NULL, NULL, notification_id::text FROM digest_items WHERE notification_id = ANY($4::uuid[])`,
        [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.kind), [...new Set(pairs.map((pair) => pair.userId))], [...ids]],
      );
      return {
        deliveries: rows.flatMap((row): (RecipientKind & { delivery: Delivery })[] =>
          row.part === 'delivery' ? [{ userId: row.user_id!, kind: row.kind!, delivery: row.value as Delivery }] : [],
        ),
        timeZones: rows.flatMap((row) => (row.part === 'zone' ? [{ userId: row.user_id!, timeZone: row.value }] : [])),
        digested: rows.flatMap((row) => (row.part === 'kept' ? [row.value] : [])),
      };
    },

    async addDigestItems(items, next) {
      if (items.length === 0) return [];
      return sql.transaction(async (tx) => {
        // Each id once (a batch may carry an event twice: a producer's retry), in its period,
        // moved on past every claimed or closed one.
        let placed = [...new Map(items.map((item) => [item.notification.id, { ...item }])).values()];
        let pending = placed;
        for (let round = 0; pending.length > 0; round += 1) {
          if (round > 1000) throw new Error('digest: no open period found within 1000 periods');
          const distinct = new Map(pending.map((item) => [keyOf(item.period), item.period]));
          const open = await lockPeriods(tx, [...distinct.values()]);
          pending = pending.filter((item) => !open.has(keyOf(item.period)));
          for (const item of pending) item.period = next(item.period);
        }
        // Once each, and never one the inbox already holds (routed there before a preference changed).
        const rows = await tx.query<{ id: string }>(
          `INSERT INTO digest_items (${KEY_COLUMNS}, notification_id, sender_id, message, link, created_at)
           SELECT i.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
                  AS i (${KEY_COLUMNS}, notification_id, sender_id, message, link, created_at)
            WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.id = i.notification_id)
           ON CONFLICT (notification_id) DO NOTHING
           RETURNING notification_id AS id`,
          [
            ...periodKeys(placed.map((item) => item.period)),
            placed.map((item) => item.notification.id),
            placed.map((item) => item.notification.senderId),
            placed.map((item) => item.notification.message),
            placed.map((item) => item.notification.link),
            placed.map((item) => iso(item.notification.createdAt)),
          ],
        );
        const kept = new Set(rows.map((row) => row.id));
        placed = placed.filter((item) => kept.has(item.notification.id));
        if (placed.length > 0) {
          const counts = new Map<string, { period: DigestPeriod; count: number }>();
          for (const { period } of placed) {
            const entry = counts.get(keyOf(period)) ?? { period, count: 0 };
            entry.count += 1;
            counts.set(keyOf(period), entry);
          }
          const periods = [...counts.values()];
          await tx.query(
            `UPDATE digest_periods p SET item_count = p.item_count + c.count
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::integer[]) AS c (${KEY_COLUMNS}, count)
              WHERE ${joinsKeys('p')}`,
            [...periodKeys(periods.map((entry) => entry.period)), periods.map((entry) => entry.count)],
          );
        }
        return placed;
      });
    },

    async claimDueDigests(at, limit, leaseMs, itemLimit) {
      return sql.transaction(async (tx) => {
        const claimed = await tx.query<PeriodRow & { item_count: number }>(
          `WITH c AS (
             SELECT ${KEY_COLUMNS} FROM digest_periods
              WHERE closed_at IS NULL AND period_end <= $1 AND (closing_until IS NULL OR closing_until <= $1)
              ORDER BY period_end, recipient_id, workspace_id, kind, delivery
              LIMIT $2
              FOR UPDATE SKIP LOCKED)
           UPDATE digest_periods p SET closing_until = $3
             FROM c
            WHERE ${joinsKeys('p')}
           RETURNING p.recipient_id, p.workspace_id, p.kind, p.delivery, p.period_start, p.period_end, p.item_count`,
          [iso(at), limit, iso(new Date(at.getTime() + leaseMs))],
        );
        // An empty period (its only items were redeliveries of ones kept elsewhere) has no summary.
        const empty = claimed.filter((row) => row.item_count === 0).map(toPeriod);
        if (empty.length > 0) {
          await tx.query(
            `UPDATE digest_periods p SET closed_at = $6 FROM ${KEYS_TABLE} WHERE ${joinsKeys('p')}`,
            [...periodKeys(empty), iso(at)],
          );
        }
        const full = claimed.filter((row) => row.item_count > 0);
        if (full.length === 0) return [];
        const periods = full.map(toPeriod);
        const items = await tx.query<PeriodRow & { id: string; sender_id: string | null; message: string; link: string | null; created_at: Date }>(
          `SELECT c.recipient_id, c.workspace_id, c.kind, c.delivery, c.period_start, i.notification_id AS id, i.sender_id, i.message, i.link, i.created_at
             FROM ${KEYS_TABLE}
             CROSS JOIN LATERAL (
               SELECT notification_id, sender_id, message, link, created_at FROM digest_items d
                WHERE ${joinsKeys('d')}
                ORDER BY d.created_at, d.notification_id
                LIMIT $6) AS i
            ORDER BY i.created_at, i.notification_id`,
          [...periodKeys(periods), itemLimit],
        );
        const byPeriod = new Map(full.map((row) => [keyOf(toPeriod(row)), { period: toPeriod(row), total: Number(row.item_count), items: [] as { id: string; senderId: string | null; message: string; link: string | null; createdAt: Date }[] }]));
        for (const item of items) {
          byPeriod
            .get(keyOf(toPeriod(item)))
            ?.items.push({ id: item.id, senderId: item.sender_id, message: item.message, link: item.link, createdAt: item.created_at });
        }
        return [...byPeriod.values()];
      });
    },

    async nextDigestDue() {
      // A claimed one is due again only when its lease runs out: not a run after run meanwhile.
      const [row] = await sql.query<{ due: Date | null }>(
        'SELECT min(GREATEST(period_end, COALESCE(closing_until, period_end))) AS due FROM digest_periods WHERE closed_at IS NULL AND item_count > 0',
      );
      return row?.due ?? null;
    },

    async closeDigests(periods, at) {
      if (periods.length === 0) return;
      await sql.query(
        `UPDATE digest_periods p SET closed_at = $6, closing_until = NULL
           FROM ${KEYS_TABLE}
          WHERE ${joinsKeys('p')} AND p.closed_at IS NULL`,
        [...periodKeys(periods), iso(at)],
      );
    },

    async pruneDigests(before) {
      return sql.transaction(async (tx) => {
        const gone = await tx.query<PeriodRow>(
          `DELETE FROM digest_periods WHERE closed_at < $1
           RETURNING ${KEY_COLUMNS}, period_end`,
          [iso(before)],
        );
        if (gone.length > 0) {
          await tx.query(
            `DELETE FROM digest_items d USING ${KEYS_TABLE} WHERE ${joinsKeys('d')}`,
            periodKeys(gone.map(toPeriod)),
          );
        }
        return gone.length;
      });
    },

    async digestBacklog() {
      const [row] = await sql.query<{ periods: number; items: number }>(
        'SELECT count(*) AS periods, COALESCE(sum(item_count), 0) AS items FROM digest_periods WHERE closed_at IS NULL AND item_count > 0',
      );
      return { periods: Number(row?.periods ?? 0), items: Number(row?.items ?? 0) };
    },
  };
}
