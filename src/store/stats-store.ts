/**
 * The stats consumer's store (src/stats/ports.ts StatsStore): one transaction per partition batch
 * holding the figures, the rankings, the counted keys and the partition's position, so they move
 * together. Every writer takes one advisory lock per schema first: windows are shared by all
 * partitions, and the time-to-read histogram is read, added to and written back, so writers go one
 * at a time (a batch is one short transaction; the consumer's throughput comes from batch size).
 */
import { storeUnavailable } from '../notifications/errors.js';
import type { NotificationKind } from '../notifications/notification.js';
import type { NotificationStore } from '../notifications/ports.js';
import type { BatchFold } from '../stats/fold.js';
import type { PartitionPosition, RankingDimension, RankingKey, RankingQuery, RankingScore, StatsStore, WindowFigures } from '../stats/ports.js';
import { addTimes } from '../stats/time-to-read.js';
import type { Granularity } from '../windows.js';
import type { SqlClient, SqlQuery } from './sql-client.js';

/** Counted keys outlive any grace by far: a duplicate arriving within a week of its first copy still counts once. */
export const COUNTED_RETENTION_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 60_000;

interface PositionRow {
  topic: string;
  partition: number;
  next_offset: number | null;
  watermark: Date | null;
  replay_until: number | null;
  replay_from: Date | null;
  resume_watermark: Date | null;
}

const POSITION_COLUMNS = 'topic, partition, next_offset, watermark, replay_until, replay_from, resume_watermark';

/** A ranking as stats_positions.mirror_pending lists it. */
interface PendingKey {
  granularity: Granularity;
  start: string;
  dimension: RankingDimension;
}

const toKey = (pending: PendingKey): RankingKey => ({ granularity: pending.granularity, start: new Date(pending.start), dimension: pending.dimension });

/** The rankings of both lists, each once. */
function unionOfKeys(...lists: readonly (readonly RankingKey[])[]): PendingKey[] {
  const keys = new Map<string, PendingKey>();
  for (const key of lists.flat()) keys.set(`${key.granularity}|${key.start.toISOString()}|${key.dimension}`, { granularity: key.granularity, start: key.start.toISOString(), dimension: key.dimension });
  return [...keys.values()];
}

const toPosition = (row: PositionRow): PartitionPosition => ({
  topic: row.topic,
  partition: row.partition,
  nextOffset: row.next_offset === null ? null : String(row.next_offset),
  watermark: row.watermark,
  replay: row.replay_until === null || row.replay_from === null ? null : { until: String(row.replay_until), from: row.replay_from, resumeWatermark: row.resume_watermark },
});

const lock = (tx: SqlQuery) => tx.query(`SELECT pg_advisory_xact_lock(hashtext('kafka-notify:stats:' || current_schema()))`);

const iso = (date: Date) => date.toISOString();

async function writePositions(tx: SqlQuery, positions: readonly PartitionPosition[]) {
  if (positions.length === 0) return;
  await tx.query(
    `INSERT INTO stats_positions AS p (${POSITION_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::timestamptz[], $5::bigint[], $6::timestamptz[], $7::timestamptz[])
     ON CONFLICT (topic, partition) DO UPDATE SET
       next_offset = EXCLUDED.next_offset, watermark = EXCLUDED.watermark, replay_until = EXCLUDED.replay_until,
       replay_from = EXCLUDED.replay_from, resume_watermark = EXCLUDED.resume_watermark`,
    [
      positions.map((p) => p.topic),
      positions.map((p) => p.partition),
      positions.map((p) => p.nextOffset),
      positions.map((p) => (p.watermark ? iso(p.watermark) : null)),
      positions.map((p) => p.replay?.until ?? null),
      positions.map((p) => (p.replay ? iso(p.replay.from) : null)),
      positions.map((p) => (p.replay?.resumeWatermark ? iso(p.replay.resumeWatermark) : null)),
    ],
  );
}

async function writeWindows(tx: SqlQuery, fold: BatchFold) {
  const windows = fold.windows;
  if (windows.length === 0) return;
  const read = windows.filter((w) => w.timesToReadMs.length > 0);
  const existing = new Map<string, string | null>();
  if (read.length > 0) {
    const rows = await tx.query<{ granularity: string; window_start: Date; kind: string; time_to_read: string | null }>(
      `SELECT granularity, window_start, kind, time_to_read FROM stats_windows
        WHERE (granularity, window_start, kind) IN (SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[]))`,
      [read.map((w) => w.granularity), read.map((w) => iso(w.start)), read.map((w) => w.kind)],
    );
    for (const row of rows) existing.set(`${row.granularity}|${row.window_start.getTime()}|${row.kind}`, row.time_to_read);
  }
  const histograms = windows.map((w) => (w.timesToReadMs.length === 0 ? null : addTimes(existing.get(`${w.granularity}|${w.start.getTime()}|${w.kind}`) ?? null, w.timesToReadMs)));
  await tx.query(
    `INSERT INTO stats_windows AS w (granularity, window_start, kind, sent, read, archived, late, time_to_read)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[])
     ON CONFLICT (granularity, window_start, kind) DO UPDATE SET
       sent = w.sent + EXCLUDED.sent, read = w.read + EXCLUDED.read, archived = w.archived + EXCLUDED.archived,
       late = w.late + EXCLUDED.late, time_to_read = COALESCE(EXCLUDED.time_to_read, w.time_to_read)`,
    [
      windows.map((w) => w.granularity),
      windows.map((w) => iso(w.start)),
      windows.map((w) => w.kind),
      windows.map((w) => w.sent),
      windows.map((w) => w.read),
      windows.map((w) => w.archived),
      windows.map((w) => w.late),
      histograms,
    ],
  );
}

async function writeRankings(tx: SqlQuery, fold: BatchFold): Promise<RankingScore[]> {
  const rankings = fold.rankings;
  if (rankings.length === 0) return [];
  const rows = await tx.query<{ granularity: Granularity; window_start: Date; dimension: RankingDimension; member: string; score: number }>(
    `INSERT INTO stats_rankings AS r (granularity, window_start, dimension, member, score)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::bigint[])
     ON CONFLICT (granularity, window_start, dimension, member) DO UPDATE SET score = r.score + EXCLUDED.score
     RETURNING granularity, window_start, dimension, member, score`,
    [rankings.map((r) => r.granularity), rankings.map((r) => iso(r.start)), rankings.map((r) => r.dimension), rankings.map((r) => r.member), rankings.map((r) => r.delta)],
  );
  return rows.map((row) => ({ granularity: row.granularity, start: row.window_start, dimension: row.dimension, member: row.member, score: Number(row.score) }));
}

export function createStatsStore(sql: SqlClient): StatsStore {
  let prunedAt = 0;

  return {
    async applyBatch(topic, partition, keys, fold, { mirrored = false } = {}) {
      return sql.transaction(async (tx) => {
        await lock(tx);
        const [row] = await tx.query<PositionRow & { mirror_pending: PendingKey[] | null }>(
          `SELECT ${POSITION_COLUMNS}, mirror_pending FROM stats_positions WHERE topic = $1 AND partition = $2`,
          [topic, partition],
        );
        const pendingBefore = (row?.mirror_pending ?? []).map(toKey);
        const counted =
          keys.length === 0 ? [] : await tx.query<{ key: string }>('SELECT key FROM stats_counted WHERE key = ANY($1::text[])', [[...keys]]);
        const result = fold(row ? toPosition(row) : null, new Set(counted.map((c) => c.key)));
        if (result.seekTo !== null || result.applied === 0) return { fold: result, scores: [], pendingBefore };
        await writeWindows(tx, result);
        const scores = await writeRankings(tx, result);
        if (result.counted.length > 0) {
          await tx.query(
            `INSERT INTO stats_counted (key, event_time) SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (key) DO NOTHING`,
            [result.counted.map((c) => c.key), result.counted.map((c) => iso(c.time))],
          );
        }
        await writePositions(tx, [result.position]);
        if (mirrored && scores.length > 0) {
          await tx.query('UPDATE stats_positions SET mirror_pending = $3::jsonb WHERE topic = $1 AND partition = $2', [
            topic,
            partition,
            JSON.stringify(unionOfKeys(pendingBefore, scores)),
          ]);
        }
        if (result.position.watermark && Date.now() - prunedAt > PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await tx.query('DELETE FROM stats_counted WHERE event_time < $1', [iso(new Date(result.position.watermark.getTime() - COUNTED_RETENTION_MS))]);
        }
        return { fold: result, scores, pendingBefore };
      });
    },

    async pendingMirror(partitions) {
      if (partitions.length === 0) return [];
      const rows = await sql.query<{ topic: string; partition: number; next_offset: number | null; mirror_pending: PendingKey[] }>(
        `SELECT topic, partition, next_offset, mirror_pending FROM stats_positions
          WHERE mirror_pending IS NOT NULL AND (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::integer[]))`,
        [partitions.map((p) => p.topic), partitions.map((p) => p.partition)],
      );
      return rows.map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.next_offset === null ? null : String(row.next_offset), keys: row.mirror_pending.map(toKey) }));
    },

    async mirrorDone(topic, partition, nextOffset) {
      await sql.query('UPDATE stats_positions SET mirror_pending = NULL WHERE topic = $1 AND partition = $2 AND next_offset IS NOT DISTINCT FROM $3::bigint', [topic, partition, nextOffset]);
    },

    async rankingScores({ granularity, start, dimension }) {
      const rows = await sql.query<{ member: string; score: number }>(
        'SELECT member, score FROM stats_rankings WHERE granularity = $1 AND window_start = $2 AND dimension = $3',
        [granularity, iso(start), dimension],
      );
      return rows.map((row) => ({ granularity, start, dimension, member: row.member, score: Number(row.score) }));
    },

    async registerPartitions(partitions) {
      if (partitions.length === 0) return;
      await sql.query(
        `INSERT INTO stats_positions (topic, partition) SELECT * FROM unnest($1::text[], $2::integer[]) ON CONFLICT (topic, partition) DO NOTHING`,
        [partitions.map((p) => p.topic), partitions.map((p) => p.partition)],
      );
    },

    async positions(topics) {
      const rows = await sql.query<PositionRow>(`SELECT ${POSITION_COLUMNS} FROM stats_positions WHERE topic = ANY($1::text[]) ORDER BY topic, partition`, [[...topics]]);
      return rows.map(toPosition);
    },

    async windows(granularity: Granularity, from: Date, to: Date, kind: NotificationKind | null): Promise<WindowFigures[]> {
      const rows = await sql.query<{ window_start: Date; kind: NotificationKind; sent: number; read: number; archived: number; late: number; time_to_read: string | null }>(
        `SELECT window_start, kind, sent, read, archived, late, time_to_read FROM stats_windows
          WHERE granularity = $1 AND window_start >= $2 AND window_start < $3 AND ($4::text IS NULL OR kind = $4)
          ORDER BY window_start, kind`,
        [granularity, iso(from), iso(to), kind],
      );
      return rows.map((row) => ({
        granularity,
        start: row.window_start,
        kind: row.kind,
        sent: Number(row.sent),
        read: Number(row.read),
        archived: Number(row.archived),
        late: Number(row.late),
        timeToRead: row.time_to_read,
      }));
    },

    async ranking({ granularity, start, dimension, first }: RankingQuery) {
      const rows = await sql.query<{ member: string; score: number }>(
        `SELECT member, score FROM stats_rankings WHERE granularity = $1 AND window_start = $2 AND dimension = $3
          ORDER BY score DESC, member COLLATE "C" ASC LIMIT $4`,
        [granularity, iso(start), dimension, first],
      );
      return rows.map((row) => ({ member: row.member, score: Number(row.score) }));
    },

    async rewind(topics, plan) {
      return sql.transaction(async (tx) => {
        await lock(tx);
        const rows = await tx.query<PositionRow>(`SELECT ${POSITION_COLUMNS} FROM stats_positions WHERE topic = ANY($1::text[])`, [[...topics]]);
        const planned = plan(rows.map(toPosition));
        const from = iso(planned.from);
        await tx.query('DELETE FROM stats_windows WHERE window_start >= $1', [from]);
        await tx.query('DELETE FROM stats_rankings WHERE window_start >= $1', [from]);
        await tx.query('DELETE FROM stats_counted WHERE event_time >= $1', [from]);
        await writePositions(tx, planned.positions);
        return planned;
      });
    },
  };
}

/**
 * The stats store of a store that may not be open yet (store-when-ready.ts): STORE_UNAVAILABLE
 * until it is, as every other store call answers meanwhile.
 */
export function statsStoreWhenReady(ready: Promise<NotificationStore | null>, statsOf: (store: NotificationStore) => StatsStore): StatsStore {
  let opened: StatsStore | null = null;
  void ready.then(
    (store) => {
      if (store) opened = statsOf(store);
    },
    () => {},
  );
  const current = (): StatsStore => {
    if (!opened) throw storeUnavailable();
    return opened;
  };
  return {
    applyBatch: (...args) => Promise.resolve().then(() => current().applyBatch(...args)),
    registerPartitions: (...args) => Promise.resolve().then(() => current().registerPartitions(...args)),
    pendingMirror: (...args) => Promise.resolve().then(() => current().pendingMirror(...args)),
    mirrorDone: (...args) => Promise.resolve().then(() => current().mirrorDone(...args)),
    rankingScores: (...args) => Promise.resolve().then(() => current().rankingScores(...args)),
    positions: (...args) => Promise.resolve().then(() => current().positions(...args)),
    windows: (...args) => Promise.resolve().then(() => current().windows(...args)),
    ranking: (...args) => Promise.resolve().then(() => current().ranking(...args)),
    rewind: (...args) => Promise.resolve().then(() => current().rewind(...args)),
  };
}
