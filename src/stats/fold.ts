/**
 * One partition's batch folded into changes, a pure function of the partition's stored position,
 * the keys already counted, and the messages in offset order. The store runs it inside the batch's
 * transaction and writes what it returns, so the figures and the position move together.
 *
 * - Fence: messages before the stored next offset were counted already (a redelivery after a
 *   crash or a rebalance): skipped. A batch that starts after it (the positions were rewound by a
 *   rebuild) counts nothing and says where to read from.
 * - Watermark: the newest event time seen on this partition. An event whose window's end plus the
 *   grace is at or before the watermark it finds is late for that window: counted in `late`, not
 *   in the figures. Per partition, so the result does not depend on how partitions interleave.
 * - Dedupe: each key (stats-event.ts) counts once, late or not.
 * - Replay (a rebuild): offsets counted before it began keep their events before its `from`
 *   (their windows were not cleared); on reaching its end the watermark it had is taken back.
 */
import type { NotificationKind } from '../notifications/notification.js';
import type { PartitionPosition, RankingDimension } from './ports.js';
import { readStatsEvent, type StatsEvent, type StatsFact, type StatsSource } from './stats-event.js';
import { GRANULARITIES, isClosedBy, windowStart, type Granularity } from '../windows.js';

/** A message as read once (stats-event.ts), at its offset. */
export interface StatsMessage {
  offset: string;
  event: StatsEvent;
}

export interface WindowDelta {
  granularity: Granularity;
  start: Date;
  kind: NotificationKind;
  sent: number;
  read: number;
  archived: number;
  late: number;
  timesToReadMs: number[];
}

export interface RankingDelta {
  granularity: Granularity;
  start: Date;
  dimension: RankingDimension;
  member: string;
  delta: number;
}

export interface BatchFold {
  /** Set when the batch starts after the stored next offset: nothing was counted, read from here. */
  seekTo: string | null;
  position: PartitionPosition;
  windows: WindowDelta[];
  rankings: RankingDelta[];
  /** Keys counted by this batch, with their event time (kept until the dedupe retention passes). */
  counted: { key: string; time: Date }[];
  /** Messages no codec could read: they move the offset only. */
  unreadable: { offset: string; error: string }[];
  /** Messages of the batch at or after the stored next offset. */
  applied: number;
}

export interface FoldInput {
  topic: string;
  partition: number;
  graceMs: number;
  messages: readonly StatsMessage[];
  /**
   * The partition's first offset still on the log, when known: a stored position before it points
   * at events the topic's retention removed, so a batch starting there is counted, not refused.
   */
  logStart?: string | undefined;
}

const maxDate = (a: Date | null, b: Date | null): Date | null => (a === null ? b : b === null || a >= b ? a : b);

/** Reads each message once. */
export const readMessages = (source: StatsSource, messages: readonly { offset: string; value: Buffer | null }[]): StatsMessage[] =>
  messages.map((message) => ({ offset: message.offset, event: readStatsEvent(source, message.value) }));

/** The dedupe keys a batch may count: the store reads which of them were counted before. */
export function candidateKeys(messages: readonly StatsMessage[]): string[] {
  const keys = new Set<string>();
  for (const { event } of messages) if (event.ok && event.fact) keys.add(event.fact.key);
  return [...keys];
}

export function foldBatch(input: FoldInput, stored: PartitionPosition | null, counted: ReadonlySet<string>): BatchFold {
  const { topic, partition, graceMs, messages } = input;
  let position: PartitionPosition = stored ?? { topic, partition, nextOffset: null, watermark: null, replay: null };
  const result: BatchFold = { seekTo: null, position, windows: [], rankings: [], counted: [], unreadable: [], applied: 0 };
  const first = messages[0];
  if (!first) return result;
  const gone = input.logStart !== undefined && BigInt(first.offset) <= BigInt(input.logStart);
  if (position.nextOffset !== null && BigInt(first.offset) > BigInt(position.nextOffset) && !gone) return { ...result, seekTo: position.nextOffset };

  const windows = new Map<string, WindowDelta>();
  const rankings = new Map<string, RankingDelta>();
  const seen = new Set(counted);
  const windowOf = (granularity: Granularity, start: Date, kind: NotificationKind) => {
    const id = `${granularity}|${start.getTime()}|${kind}`;
    let delta = windows.get(id);
    if (!delta) {
      delta = { granularity, start, kind, sent: 0, read: 0, archived: 0, late: 0, timesToReadMs: [] };
      windows.set(id, delta);
    }
    return delta;
  };
  const rank = (granularity: Granularity, start: Date, dimension: RankingDimension, member: string) => {
    const id = `${granularity}|${start.getTime()}|${dimension}|${member}`;
    const entry = rankings.get(id);
    if (entry) entry.delta += 1;
    else rankings.set(id, { granularity, start, dimension, member, delta: 1 });
  };
  const count = (fact: StatsFact, granularity: Granularity, start: Date) => {
    const delta = windowOf(granularity, start, fact.kind);
    if (fact.type === 'sent') {
      delta.sent += 1;
      if (fact.senderId !== null) rank(granularity, start, 'sender', fact.senderId);
      rank(granularity, start, 'recipient', fact.recipientId);
      rank(granularity, start, 'kind', fact.kind);
    } else if (fact.type === 'read') {
      delta.read += 1;
      delta.timesToReadMs.push(fact.timeToReadMs);
    } else {
      delta.archived += 1;
    }
  };

  for (const message of messages) {
    const offset = BigInt(message.offset);
    if (position.nextOffset !== null && offset < BigInt(position.nextOffset)) continue;
    result.applied += 1;
    let { replay } = position;
    let watermark = position.watermark;
    if (replay && offset >= BigInt(replay.until)) {
      watermark = maxDate(watermark, replay.resumeWatermark);
      replay = null;
    }
    const { event } = message;
    if (!event.ok) {
      result.unreadable.push({ offset: message.offset, error: event.error });
    } else {
      const before = watermark;
      watermark = maxDate(watermark, event.time);
      const { fact } = event;
      const keptByReplay = replay !== null && event.time < replay.from;
      if (fact && !keptByReplay && !seen.has(fact.key)) {
        seen.add(fact.key);
        result.counted.push({ key: fact.key, time: event.time });
        for (const granularity of GRANULARITIES) {
          const start = windowStart(granularity, event.time);
          if (isClosedBy(before, granularity, start, graceMs)) windowOf(granularity, start, fact.kind).late += 1;
          else count(fact, granularity, start);
        }
      }
    }
    position = { ...position, nextOffset: (offset + 1n).toString(), watermark, replay };
  }
  if (position.replay && position.nextOffset !== null && BigInt(position.nextOffset) >= BigInt(position.replay.until)) {
    position = { ...position, watermark: maxDate(position.watermark, position.replay.resumeWatermark), replay: null };
  }
  return { ...result, position, windows: [...windows.values()], rankings: [...rankings.values()] };
}
