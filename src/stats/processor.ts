/**
 * The stats consumer's per-batch work, over the ports: read each message once, fold the batch
 * into the store in one transaction (figures, rankings, counted keys, position), then mirror the
 * rankings' new absolute scores to Redis when it is configured. The Kafka wiring hands batches in
 * and seeks where the answer says; it never touches the store.
 *
 * Exactly once in effect: the position is committed with the figures, and the fold skips what
 * the position says was counted, so a redelivery after a crash or a rebalance counts nothing
 * twice; the mirror writes absolute scores (ZADD), so writing them twice changes nothing.
 */
import { candidateKeys, foldBatch, readMessages } from './fold.js';
import type { RankingKey, RankingMirror, StatsStore } from './ports.js';
import type { StatsSource } from './stats-event.js';

export interface StatsBatch {
  source: StatsSource;
  topic: string;
  partition: number;
  messages: readonly { offset: string; value: Buffer | null }[];
  /** The partition's first offset on the log, once a seek to the stored position found it gone (see fold.ts). */
  logStart?: string | undefined;
}

export interface StatsBatchOutcome {
  /** Read from this offset before anything else (the positions were rewound): nothing was counted. */
  seekTo: string | null;
  /** The partition's next offset to count after the batch (null: the batch was empty). */
  nextOffset: string | null;
  applied: number;
  unreadable: { offset: string; error: string }[];
}

export interface StatsBatchControl {
  /** Runs a call, retrying it while the batch is still the consumer's (the store or Redis away). */
  retry<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Sets aside activity events no codec can read (the dead-letter topic), before the batch is
   * counted past them. The notification topic's go there through the inbox's group, not twice.
   */
  deadLetter?(messages: readonly { offset: string; value: Buffer | null; error: string }[]): Promise<void>;
}

export interface StatsProcessorDeps {
  store: Pick<StatsStore, 'applyBatch' | 'registerPartitions' | 'positions' | 'pendingMirror' | 'mirrorDone' | 'rankingScores'>;
  mirror?: Pick<RankingMirror, 'write'> | undefined;
  graceMs: number;
}

export function createStatsProcessor({ store, mirror, graceMs }: StatsProcessorDeps) {
  /** Whole rankings from the store into Redis: what an interrupted mirroring left behind. */
  async function mirrorWhole(keys: readonly RankingKey[]) {
    for (const key of keys) await mirror!.write(await store.rankingScores(key));
  }

  return {
    /**
     * The group gave this member these partitions: each gets a position (so a window closes only
     * once every partition passed it), and the consumer seeks to the stored next offsets, the
     * truth, whatever offsets the group committed.
     */
    async assigned(partitions: readonly { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; offset: string }[]> {
      await store.registerPartitions(partitions);
      const wanted = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
      const positions = await store.positions([...new Set(partitions.map((p) => p.topic))]);
      if (mirror) {
        // A crash between a batch's commit and its Redis write left its rankings behind there.
        // Not in the way of the seeks: if Redis is away now, the partition's next batch does it.
        try {
          for (const pending of await store.pendingMirror(partitions)) {
            await mirrorWhole(pending.keys);
            await store.mirrorDone(pending.topic, pending.partition, pending.nextOffset);
          }
        } catch {
          // The marks stay in the store; the next batch of each partition writes them (process).
        }
      }
      return positions.flatMap((p) => (p.nextOffset !== null && wanted.has(`${p.topic}:${p.partition}`) ? [{ topic: p.topic, partition: p.partition, offset: p.nextOffset }] : []));
    },

    async process(batch: StatsBatch, control: StatsBatchControl): Promise<StatsBatchOutcome> {
      const messages = readMessages(batch.source, batch.messages);
      if (batch.source === 'activity' && control.deadLetter) {
        const unreadable = messages.flatMap((m, index) => (m.event.ok ? [] : [{ offset: m.offset, value: batch.messages[index]!.value, error: m.event.error }]));
        // Before the store moves past them; a redelivery may set one aside twice, never lose one.
        if (unreadable.length > 0) await control.retry(() => control.deadLetter!(unreadable));
      }
      const keys = candidateKeys(messages);
      const input = { topic: batch.topic, partition: batch.partition, graceMs, messages, logStart: batch.logStart };
      const { fold, scores, pendingBefore } = await control.retry(() =>
        store.applyBatch(batch.topic, batch.partition, keys, (position, counted) => foldBatch(input, position, counted), { mirrored: mirror !== undefined }),
      );
      // After the commit, with absolute scores: writing them twice changes nothing. Marked done in
      // the store once Redis has them, so a crash in between is made good on the next assignment.
      if (mirror && fold.seekTo === null && (scores.length > 0 || pendingBefore.length > 0)) {
        await control.retry(async () => {
          await mirrorWhole(pendingBefore);
          await mirror.write(scores);
        });
        await control.retry(() => store.mirrorDone(batch.topic, batch.partition, fold.position.nextOffset));
      }
      return { seekTo: fold.seekTo, nextOffset: fold.seekTo === null ? fold.position.nextOffset : null, applied: fold.applied, unreadable: fold.unreadable };
    },
  };
}

export type StatsProcessor = ReturnType<typeof createStatsProcessor>;
