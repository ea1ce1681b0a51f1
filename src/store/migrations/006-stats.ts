import type { Migration } from './migration.js';

/**
 * The stats consumer's figures (issue 18), kept with its position so both commit together:
 *
 * - `stats_windows`: per window (granularity, start) and kind, the counts and the time-to-read
 *   HdrHistogram (compressed base64, src/stats/time-to-read.ts).
 * - `stats_rankings`: per window and dimension (sender, recipient, kind), each member's score; the
 *   index answers a window's top N in order (score, then member) without sorting.
 * - `stats_counted`: the dedupe keys counted, with their event time; kept for a retention longer
 *   than any grace, then pruned by event time.
 * - `stats_positions`: per partition of both topics, the next offset to count, the watermark
 *   (newest event time seen there), a rebuild's replay state, and (with Redis) the rankings its
 *   batches changed that the Redis mirror has not confirmed yet.
 */
export const stats: Migration = {
  version: 6,
  name: 'stats',
  statements: [
    `CREATE TABLE stats_windows (
       granularity  text NOT NULL,
       window_start timestamptz NOT NULL,
       kind         text NOT NULL,
       sent         bigint NOT NULL DEFAULT 0,
       read         bigint NOT NULL DEFAULT 0,
       archived     bigint NOT NULL DEFAULT 0,
       late         bigint NOT NULL DEFAULT 0,
       time_to_read text,
       PRIMARY KEY (granularity, window_start, kind)
     )`,
    `CREATE TABLE stats_rankings (
       granularity  text NOT NULL,
       window_start timestamptz NOT NULL,
       dimension    text NOT NULL,
       member       text NOT NULL,
       score        bigint NOT NULL,
       PRIMARY KEY (granularity, window_start, dimension, member)
     )`,
    'CREATE INDEX stats_rankings_top_idx ON stats_rankings (granularity, window_start, dimension, score DESC, member COLLATE "C")',
    `CREATE TABLE stats_counted (
       key        text PRIMARY KEY,
       event_time timestamptz NOT NULL
     )`,
    'CREATE INDEX stats_counted_time_idx ON stats_counted (event_time)',
    `CREATE TABLE stats_positions (
       topic            text NOT NULL,
       partition        integer NOT NULL,
       next_offset      bigint,
       watermark        timestamptz,
       replay_until     bigint,
       replay_from      timestamptz,
       resume_watermark timestamptz,
       mirror_pending   jsonb,
       PRIMARY KEY (topic, partition)
     )`,
  ],
};
