/**
 * What the stats domain needs from outside: a store that applies one partition's batch in one
 * transaction (figures, rankings, counted keys and the partition's position together), answers
 * the queries, and rewinds for a rebuild; and, when Redis is configured, a mirror of the rankings.
 */
import type { NotificationKind } from '../notifications/notification.js';
import type { BatchFold } from './fold.js';
import type { Granularity } from '../windows.js';

export const RANKING_DIMENSIONS = ['sender', 'recipient', 'kind'] as const;
export type RankingDimension = (typeof RANKING_DIMENSIONS)[number];

/** A rebuild in progress on one partition (see rebuild.ts). */
export interface Replay {
  /** Offsets before this were counted before the rebuild: their events before `from` stay as they are. */
  until: string;
  from: Date;
  /** The partition's watermark when the rebuild began, taken back on reaching `until`. */
  resumeWatermark: Date | null;
}

/** How far the stats group got on one partition: its truth, kept in the same transaction as the figures. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The next offset to count; null: nothing counted yet. */
  nextOffset: string | null;
  /** The newest event time seen on this partition. */
  watermark: Date | null;
  replay: Replay | null;
}

/** One window's figures for one kind. */
export interface WindowFigures {
  granularity: Granularity;
  start: Date;
  kind: NotificationKind;
  sent: number;
  read: number;
  archived: number;
  late: number;
  /** hdr-histogram-js, compressed base64 (time-to-read.ts); null when nothing was read. */
  timeToRead: string | null;
}

export interface RankingEntry {
  member: string;
  score: number;
}

/** A member's absolute score in a window's ranking, as the store holds it after a commit. */
export interface RankingScore extends RankingEntry {
  granularity: Granularity;
  start: Date;
  dimension: RankingDimension;
}

/** One ranking: a window and a dimension. */
export type RankingKey = Pick<RankingScore, 'granularity' | 'start' | 'dimension'>;

export interface RankingQuery {
  granularity: Granularity;
  start: Date;
  dimension: RankingDimension;
  first: number;
}

export interface AppliedBatch {
  fold: BatchFold;
  /** The rankings' members this batch changed, with their absolute scores after the commit. */
  scores: RankingScore[];
  /** Rankings an earlier batch of the partition changed whose mirroring did not finish (with `mirrored`). */
  pendingBefore: RankingKey[];
}

export type RewindPlan = (current: readonly PartitionPosition[]) => { from: Date; positions: PartitionPosition[] };

export type FoldBatch = (position: PartitionPosition | null, counted: ReadonlySet<string>) => BatchFold;

export interface StatsStore {
  /**
   * In ONE transaction, one at a time across every stats writer: reads the partition's position and
   * which of `keys` were counted already, folds (a pure function of those), and writes what the
   * fold says: figures, rankings, counted keys, the position. Returns the fold and, when it
   * changed rankings, their scores after the commit.
   */
  applyBatch(topic: string, partition: number, keys: readonly string[], fold: FoldBatch, options?: { mirrored?: boolean }): Promise<AppliedBatch>;
  /**
   * The rankings of a partition whose batches committed while their Redis mirror did not follow
   * (yet): written by applyBatch with `mirrored`, cleared by mirrorDone.
   */
  pendingMirror(partitions: readonly { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; nextOffset: string | null; keys: RankingKey[] }[]>;
  /** The partition's rankings are in Redis as of this position; a newer batch keeps its own mark. */
  mirrorDone(topic: string, partition: number, nextOffset: string | null): Promise<void>;
  /** Every member's score in one ranking. */
  rankingScores(key: RankingKey): Promise<RankingScore[]>;
  /** Adds a position (nothing counted, no watermark) for each partition that has none. */
  registerPartitions(partitions: readonly { topic: string; partition: number }[]): Promise<void>;
  positions(topics: readonly string[]): Promise<PartitionPosition[]>;
  /** Every kind's row of the windows starting in [from, to). */
  windows(granularity: Granularity, from: Date, to: Date, kind: NotificationKind | null): Promise<WindowFigures[]>;
  ranking(query: RankingQuery): Promise<RankingEntry[]>;
  /**
   * Rebuild, in one transaction with the batches kept out: reads the topics' positions, asks the
   * plan for the date to forget from and the new positions, forgets every window, ranking and
   * counted key from that date on, and writes the positions. Returns the plan's answer.
   */
  rewind(topics: readonly string[], plan: RewindPlan): Promise<{ from: Date; positions: PartitionPosition[] }>;
}

/** Redis sorted sets holding the rankings, written after the store's commit with absolute scores. */
export interface RankingMirror {
  write(scores: readonly RankingScore[]): Promise<void>;
  ranking(query: RankingQuery): Promise<RankingEntry[]>;
  /** Rebuild: drops the rankings of the windows starting at or after `from` (they are written again as they are recounted). */
  forget(from: Date): Promise<void>;
}
