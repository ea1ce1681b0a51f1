/**
 * What the API asks of the figures: a series of windows (zero-filled, so a chart needs no gaps
 * filled) and a window's ranking. Rankings come from Redis when it is configured, else from the
 * store: the same answers (the store's order, score then member, is the mirror's too).
 */
import { badInput } from '../notifications/errors.js';
import type { NotificationKind } from '../notifications/notification.js';
import type { PartitionPosition, RankingDimension, RankingEntry, RankingMirror, StatsStore } from './ports.js';
import { quantiles } from './time-to-read.js';
import { isClosedBy, lastClosedEnd, WINDOW_MS, windowStart, type Granularity } from '../windows.js';

/** Points in one series at most: a day of minutes, two months of hours, four years of days. */
export const SERIES_POINTS_MAX = 1440;
export const RANKING_FIRST_DEFAULT = 10;
export const RANKING_FIRST_MAX = 100;

export interface SeriesPoint {
  start: Date;
  end: Date;
  sent: number;
  read: number;
  archived: number;
  /** read / sent within the window; null when nothing was sent in it. */
  readRate: number | null;
  timeToReadMedianMs: number | null;
  timeToReadP90Ms: number | null;
  late: number;
  /** Every partition's watermark has passed its end plus the grace: it never changes again. */
  closed: boolean;
}

export interface StatsQueriesDeps {
  store: Pick<StatsStore, 'windows' | 'ranking' | 'positions'>;
  mirror?: Pick<RankingMirror, 'ranking'> | undefined;
  /** The notification topic and the activity topic: a window closes when all their partitions passed it. */
  topics: readonly string[];
  graceMs: number;
}

/** The lowest watermark over every partition; null while any partition has none. */
export function lowWatermark(positions: readonly PartitionPosition[]): Date | null {
  if (positions.length === 0) return null;
  let low: Date | null = null;
  for (const { watermark } of positions) {
    if (watermark === null) return null;
    if (low === null || watermark < low) low = watermark;
  }
  return low;
}

export function createStatsQueries({ store, mirror, topics, graceMs }: StatsQueriesDeps) {
  return {
    async series(granularity: Granularity, from: Date, to: Date, kind: NotificationKind | null): Promise<SeriesPoint[]> {
      if (!(to > from)) throw badInput('to must be after from', 'to');
      const first = windowStart(granularity, from);
      const size = WINDOW_MS[granularity];
      const points = Math.ceil((to.getTime() - first.getTime()) / size);
      if (points > SERIES_POINTS_MAX) throw badInput(`at most ${SERIES_POINTS_MAX} windows per series (${points} asked): narrow from and to, or take a larger window`, 'to');
      const end = new Date(first.getTime() + points * size);
      const [rows, positions] = await Promise.all([store.windows(granularity, first, end, kind), store.positions(topics)]);
      const low = lowWatermark(positions);
      const byStart = new Map<number, typeof rows>();
      for (const row of rows) byStart.set(row.start.getTime(), [...(byStart.get(row.start.getTime()) ?? []), row]);
      return Array.from({ length: points }, (_, index) => {
        const start = new Date(first.getTime() + index * size);
        const kinds = byStart.get(start.getTime()) ?? [];
        const sum = (pick: (row: (typeof kinds)[number]) => number) => kinds.reduce((total, row) => total + pick(row), 0);
        const sent = sum((row) => row.sent);
        const read = sum((row) => row.read);
        const time = quantiles(kinds.map((row) => row.timeToRead));
        return {
          start,
          end: new Date(start.getTime() + size),
          sent,
          read,
          archived: sum((row) => row.archived),
          readRate: sent === 0 ? null : read / sent,
          timeToReadMedianMs: time.medianMs,
          timeToReadP90Ms: time.p90Ms,
          late: sum((row) => row.late),
          closed: isClosedBy(low, granularity, start, graceMs),
        };
      });
    },

    /** The window holding `at`; `first` in 1…RANKING_FIRST_MAX. */
    async ranking(granularity: Granularity, at: Date, dimension: RankingDimension, first = RANKING_FIRST_DEFAULT): Promise<RankingEntry[]> {
      if (!Number.isInteger(first) || first < 1 || first > RANKING_FIRST_MAX) throw badInput(`first must be between 1 and ${RANKING_FIRST_MAX}`, 'first');
      const query = { granularity, start: windowStart(granularity, at), dimension, first };
      return mirror ? mirror.ranking(query) : store.ranking(query);
    },

    /** The end of the newest closed window of this size (null: none closed yet). */
    async lastClosed(granularity: Granularity): Promise<Date | null> {
      return lastClosedEnd(granularity, lowWatermark(await store.positions(topics)), graceMs);
    },
  };
}

export type StatsQueries = ReturnType<typeof createStatsQueries>;
