/**
 * Figure 10, the stats consumer's throughput (issue 18): M notification events are pre-loaded onto
 * a fresh topic with raw kafkajs, as for ingest. Baseline: a raw kafkajs group reading the same
 * backlog and doing nothing but decode each event (the service's own codec), best of a few passes.
 * Then the stats consumer, started the way ROLE=stats starts it (startStatsSystem: its store, its
 * group over the notification topic and its activity topic, in this process), on a fresh group
 * and a fresh store (a PostgreSQL schema of its own, or a fresh PGlite), timed from its group's join until
 * its group has committed every offset: it commits to Kafka only after the store committed the
 * figures with the positions, so that is when the stored positions reach the end.
 */
import { Partitioners } from 'kafkajs';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { decodeEvent } from '../../src/notifications/event.js';
import { startStatsSystem } from '../../src/system.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import type { FigureResult, Measurement } from '../figure.js';
import { createTopic, groupLag, likeEvent, recipientsAcrossPartitions, timedGroupRead } from '../kafka-raw.js';
import { STORE_NAMES } from '../settings.js';
import { runConcurrently, wallClockMs, waitFor } from '../stats.js';

const TIMEOUT_MS = 300_000;

export async function statsConsumerFigure(ctx: BenchContext): Promise<FigureResult> {
  const total = ctx.settings.stats.messages;
  const partitions = ctx.settings.partitions;
  const topic = ctx.name('stats');
  await createTopic(ctx.admin, topic, partitions);
  await createTopic(ctx.admin, `${topic}.activity`, partitions);
  // Several senders and recipients, so the rankings have members to keep.
  const recipients = recipientsAcrossPartitions('bench-stats', partitions, 4);

  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const preloadMs = await runConcurrently(Math.ceil(total / 500), 4, async (batch) => {
    const size = Math.min(500, total - batch * 500);
    const messages = Array.from({ length: size }, (_, i) => {
      const n = batch * 500 + i;
      return likeEvent(recipients[n % recipients.length]!, `Emma liked your post #${n}.`);
    });
    await producer.send({ topic, acks: -1, messages });
  }).finally(() => producer.disconnect());
  ctx.log(`stats: ${total} events pre-loaded in ${Math.round(preloadMs)} ms`);

  const decodeAll = (messages: { value: Buffer | null }[]) => {
    for (const message of messages) {
      if (!decodeEvent(message.value).ok) throw new Error('a pre-loaded event did not decode');
    }
    return messages.length;
  };
  const rawRead = () => timedGroupRead(ctx, { group: 'stats-raw-group', topic, total, what: `the raw consumer to decode ${total} messages`, handle: decodeAll });
  await rawRead();
  let best: { ms: number; cpu: Record<string, number> } | undefined;
  for (let pass = 0; pass < ctx.settings.stats.rawPasses; pass += 1) {
    const result = await rawRead();
    if (!best || result.ms < best.ms) best = result;
  }
  const { ms: rawMs, cpu: rawCpu } = best!;
  ctx.log(`stats: raw consumer decoded ${total} in ${Math.round(rawMs)} ms`);

  const store = ctx.settings.stores[0]!;
  const system = await statsWithSystem(ctx, topic, total);
  ctx.log(`stats: the stats consumer counted ${total} in ${STORE_NAMES[store]} in ${Math.round(system.ms)} ms`);

  const rate = (ms: number) => (total / ms) * 1000;
  const measurements: Measurement[] = [
    { label: `raw kafkajs eachBatch, decoding each event (best of ${ctx.settings.stats.rawPasses})`, value: rate(rawMs), unit: 'msgs/s', extra: { ms: rawMs, ...rawCpu } },
    {
      label: `stats consumer (ROLE=stats): decode, fold, figures + rankings + position in one ${STORE_NAMES[store]} transaction per batch`,
      value: rate(system.ms),
      unit: 'msgs/s',
      ratio: rawMs / system.ms,
      extra: system.extra,
    },
  ];
  return {
    id: 'stats',
    title: `10. Stats consumer throughput: a backlog of ${total.toLocaleString('en-US')} events`,
    ratioNote: '÷ raw kafkajs consumer decoding the same backlog, higher is better',
    measurements,
    notes: [
      `${partitions} partitions, ${recipients.length} recipients; the activity topic empty`,
      `the stats consumer in the bench process, on a fresh group and a fresh ${STORE_NAMES[store]} store, timed from its group's join (polled every 20 ms, as the baseline starts at its GROUP_JOIN) until its group committed every offset (it commits only after the store), polled every 50 ms`,
    ],
    seconds: 0,
    keys: { statsPerSec: rate(system.ms), rawDecodePerSec: rate(rawMs) },
  };
}

async function statsWithSystem(ctx: BenchContext, topic: string, total: number) {
  const store = ctx.settings.stores[0]!;
  const groupId = ctx.name('stats-group');
  const config = parseConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ROLE: 'stats',
    DATA_DIR: await ctx.tempDir('stats'),
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${topic}.dlq`,
    KAFKA_GROUP_ID: groupId,
    AUTH_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
    KAFKA_BROKERS: ctx.brokers.join(','),
    ...(store === 'pg' && ctx.settings.databaseUrl && { DATABASE_URL: ctx.settings.databaseUrl }),
  });
  const meter = cpuMeter({ broker: ctx.brokerPid });
  const startedAt = wallClockMs();
  const system = await startStatsSystem({ config, brokers: ctx.brokers, log: createLogger(config.log), ...(store === 'pg' && { pgSchema: ctx.pgSchema() }) });
  try {
    // The clock starts when the group has joined, as the baseline's does (its GROUP_JOIN): opening
    // the store and joining are not throughput.
    let joinedAt = 0;
    await waitFor(
      'the stats group to join',
      async () => {
        const [group] = (await ctx.admin.describeGroups([config.stats.groupId])).groups;
        if (group?.state === 'Stable' && group.members.length > 0) joinedAt = wallClockMs();
        return joinedAt > 0;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 20 },
    );
    let doneAt = 0;
    await waitFor(
      `the stats consumer to count ${total} events`,
      async () => {
        const lag = await groupLag(ctx.admin, config.stats.groupId, topic).catch(() => Number.POSITIVE_INFINITY);
        if (lag === 0) doneAt = wallClockMs();
        return lag === 0;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 50 },
    );
    const cpu = meter();
    const ms = doneAt - joinedAt;
    // The figures hold every event: the day's sent, summed over the series.
    const now = new Date();
    const points = await system.stats.queries.series('day', new Date(now.getTime() - 86_400_000), new Date(now.getTime() + 86_400_000), null);
    const counted = points.reduce((sum, point) => sum + point.sent, 0);
    if (counted !== total) throw new Error(`the stats hold ${counted} sent, expected ${total}`);
    return { ms, extra: { ms, 'start to join ms': joinedAt - startedAt, ...cpu } };
  } finally {
    await system.stop();
  }
}
