/**
 * `npm run stats -- rebuild --from <date>`, as a function the command line and the tests call:
 * the positions move back to the first offsets at the date (by Kafka timestamp, less a margin)
 * and the figures from the date's UTC day on are forgotten, in one store transaction
 * (src/stats/rebuild.ts); the Redis rankings of those windows go too; then a stats consumer joins
 * the group (which makes every member seek to the stored positions) and counts until every
 * partition is back where it was. The live stats consumers may keep running: they take part.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { createKafkaClient, type KafkaClientOptions } from '../kafka/client.js';
import { createStatsService } from '../kafka/stats-service.js';
import type { TopicOptions } from '../kafka/topics.js';
import type { RankingMirror, StatsStore } from '../stats/ports.js';
import { createStatsProcessor } from '../stats/processor.js';
import { REBUILD_SEEK_MARGIN_MS, replayDone, rewindPlan, type SeekOffset } from '../stats/rebuild.js';

export interface RebuildOptions {
  kafka: Omit<KafkaClientOptions, 'log'> & TopicOptions & { statsGroupId: string };
  store: StatsStore;
  mirror?: RankingMirror | undefined;
  graceMs: number;
  from: Date;
  log: Logger;
  /** How often the positions are read while waiting for the replay to end. */
  pollMs?: number;
  onProgress?: (remaining: number) => void;
}

export async function rebuildStats({ kafka: options, store, mirror, graceMs, from, log, pollMs = 500, onProgress = () => {} }: RebuildOptions) {
  const kafka = createKafkaClient({ ...options, log });
  const topics = [options.topic, options.activityTopic];
  const admin = kafka.admin();
  await admin.connect();
  let seek: SeekOffset[];
  try {
    const at = from.getTime() - REBUILD_SEEK_MARGIN_MS;
    seek = (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsetsByTimestamp(topic, at)).map(({ partition, offset }) => ({ topic, partition, offset }))))).flat();
  } finally {
    await admin.disconnect();
  }
  const planned = await store.rewind(topics, rewindPlan(from, seek));
  await mirror?.forget(planned.from);
  log.info({ from: planned.from.toISOString(), partitions: planned.positions.length }, 'stats rebuild: positions rewound, figures from the date on forgotten');

  const service = createStatsService(options, createStatsProcessor({ store, mirror, graceMs }), log);
  await service.start();
  try {
    for (;;) {
      const positions = await store.positions(topics);
      const remaining = positions.filter((p) => p.replay !== null).length;
      onProgress(remaining);
      if (replayDone(positions)) break;
      await delay(pollMs);
    }
  } finally {
    await service.stop();
  }
  return { from: planned.from };
}
