/**
 * Rebuild: recompute the windows from a date on out of the log. The positions of every partition
 * move back to the first offset whose Kafka timestamp is at or after the date (less a margin for
 * producers' clocks), the figures from the date on are forgotten, and the consumer counts again
 * from there (the store's positions are its truth: it seeks to them). So the figures come out
 * exactly as they were live, as far as the topics' retention reaches:
 *
 * - the date goes down to its UTC day, the largest window, so no window is half forgotten;
 * - events before the date at offsets counted before stay out (their windows were kept);
 * - the watermark starts empty at the new position (events before it are older than the date, so
 *   they could make no window from the date on late) and takes its old value back on reaching the
 *   offset it had, so what follows is judged as before.
 */
import type { PartitionPosition, RewindPlan } from './ports.js';
import { windowStart } from '../windows.js';

/** Events may carry a time ahead of their Kafka timestamp by a producer's clock skew: read this much before the date. */
export const REBUILD_SEEK_MARGIN_MS = 60 * 60_000;

export const rebuildStart = (date: Date): Date => windowStart('day', date);

export interface SeekOffset {
  topic: string;
  partition: number;
  /** The first offset at or after the timestamp (the end of the partition when none is). */
  offset: string;
}

export function rewindPlan(date: Date, seek: readonly SeekOffset[]): RewindPlan {
  return (current) => {
    let from = rebuildStart(date);
    // A rebuild still replaying goes on from the earlier of the two dates: its windows before ours are only half rebuilt.
    for (const position of current) if (position.replay && position.replay.from < from) from = position.replay.from;
    const byPartition = new Map(current.map((position) => [`${position.topic}:${position.partition}`, position]));
    const positions = seek.map(({ topic, partition, offset }): PartitionPosition => {
      const old = byPartition.get(`${topic}:${partition}`);
      // Nothing counted here yet: the consumer starts where it would have.
      if (!old || old.nextOffset === null) return old ?? { topic, partition, nextOffset: null, watermark: null, replay: null };
      const counted = BigInt(old.replay?.until ?? old.nextOffset);
      const next = BigInt(offset) < BigInt(old.nextOffset) ? offset : old.nextOffset;
      if (BigInt(next) >= counted) return { ...old, replay: old.replay ? { ...old.replay, from } : null };
      return {
        topic,
        partition,
        nextOffset: next,
        watermark: null,
        replay: { until: counted.toString(), from, resumeWatermark: old.replay ? old.replay.resumeWatermark : old.watermark },
      };
    });
    return { from, positions };
  };
}

/** Whether every partition has caught up with what was counted before the rebuild. */
export const replayDone = (positions: readonly PartitionPosition[]): boolean => positions.every((position) => position.replay === null);
