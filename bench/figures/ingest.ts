/**
 * Figure 5, ingest throughput: M events are pre-loaded onto a fresh topic with raw kafkajs, then,
 * for each store, a fresh system (fresh consumer group, fresh store) starts on it in that store's
 * server process, and the bench times how long the group takes to have committed all of them. The
 * service commits offsets only after its store committed, so that is when the store holds them
 * all; the inbox counts are checked after. Baseline, per store: a raw kafkajs consumer doing a bare
 * multi-row INSERT of the same rows into the same kind of database (bench/raw-insert.ts), run just
 * before it. For scale, a raw consumer that does nothing at all. Every clock starts when its group
 * has joined (for the system: when startSystem returned, which it does right after the join).
 */
import { Partitioners } from 'kafkajs';
import { httpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import type { HostProcess } from '../host-process.js';
import { cpuMeter } from '../cpu.js';
import { createTopic, groupLag, likeEvent, recipientsAcrossPartitions, timedGroupRead } from '../kafka-raw.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { rawInsertConsume } from '../raw-insert.js';
import type { FigureResult, Measurement } from '../figure.js';
import { STORE_NAMES, type StoreKind } from '../settings.js';
import { runConcurrently, wallClockMs, waitFor } from '../stats.js';

const TIMEOUT_MS = 180_000;

/** Reads the whole topic with a new group and does nothing with it. */
const rawConsume = (ctx: BenchContext, topic: string, total: number) =>
  timedGroupRead(ctx, { group: 'ingest-raw-group', topic, total, what: `the raw consumer to read ${total} messages`, handle: (messages) => messages.length });

/** `rawDatabases`: one fresh database per store of ctx.systems, in that order (bench/raw-insert.ts). */
export async function ingestFigure(ctx: BenchContext, rawDatabases: Promise<SqlClient[]>): Promise<FigureResult> {
  const total = ctx.settings.ingest.messages;
  const partitions = ctx.settings.partitions;
  const topic = ctx.name('ingest');
  await createTopic(ctx.admin, topic, partitions);
  const recipients = recipientsAcrossPartitions('bench-ingest', partitions, 1);

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
  ctx.log(`ingest: ${total} events pre-loaded in ${Math.round(preloadMs)} ms`);
  const databases = await rawDatabases;

  // Reading alone: one pass to warm up, then the best of a few (each with a new group). It is
  // over in a few dozen milliseconds, so a single pass would be mostly noise.
  await rawConsume(ctx, topic, total);
  let best: { ms: number; cpu: Record<string, number> } | undefined;
  for (let pass = 0; pass < ctx.settings.ingest.rawPasses; pass += 1) {
    const result = await rawConsume(ctx, topic, total);
    if (!best || result.ms < best.ms) best = result;
  }
  const { ms: rawMs, cpu: rawCpu } = best!;
  ctx.log(`ingest: raw consumer read ${total} in ${Math.round(rawMs)} ms`);

  const rate = (ms: number) => (total / ms) * 1000;
  const measurements: Measurement[] = [
    { label: `raw kafkajs eachBatch, doing nothing (best of ${ctx.settings.ingest.rawPasses})`, value: rate(rawMs), unit: 'msgs/s', extra: { ms: rawMs, ...rawCpu } },
  ];
  const keys: Record<string, number> = {};
  for (const [index, { store, host }] of ctx.systems.entries()) {
    const suffix = store === 'pg' ? 'Pg' : 'Pglite';
    const insert = await rawInsertConsume(ctx, databases[index]!, topic, total);
    ctx.log(`ingest: raw consumer inserted ${total} into ${STORE_NAMES[store]} in ${Math.round(insert.ms)} ms`);
    const system = await ingestWithSystem(ctx, host, store, topic, recipients, total);
    ctx.log(`ingest: system stored ${total} in ${STORE_NAMES[store]} in ${Math.round(system.ms)} ms`);
    measurements.push(
      { label: `raw kafkajs eachBatch + bare multi-row INSERT (${STORE_NAMES[store]})`, value: rate(insert.ms), unit: 'msgs/s', extra: { ms: insert.ms, ...insert.cpu } },
      {
        label: `system: decode, store (${STORE_NAMES[store]}), commit, publish`,
        value: rate(system.ms),
        unit: 'msgs/s',
        ratio: insert.ms / system.ms,
        extra: system.extra,
      },
    );
    keys[`rawInsertPerSec${suffix}`] = rate(insert.ms);
    keys[`ingestPerSec${suffix}`] = rate(system.ms);
  }

  return {
    id: 'ingest',
    title: `5. Ingest throughput: a backlog of ${total.toLocaleString('en-US')} events`,
    ratioNote: '÷ raw kafkajs consumer with a bare multi-row INSERT into the same store, higher is better',
    measurements,
    notes: [
      `${partitions} partitions, ${recipients.length} recipients (one per partition), ${Math.min(partitions, 4)} partitions consumed concurrently by all`,
      'the INSERT baseline: the service\'s own notifications table (its migrations) in a fresh schema of the same PostgreSQL, or a fresh PGlite in the bench process; ' +
        'one INSERT … VALUES per ≤1,000 rows, no transaction, no duplicate check, seqs counted in memory, auto-commit; timed from its group join to the last insert',
      'the system is done when its group has committed every offset (it commits only after the store did), polled every 50 ms; the stored count is checked after',
      '"uncommitted at first poll": what was left when the bench first looked, right after startSystem returned (equal to the backlog when nothing was committed before the clock started)',
    ],
    seconds: 0,
    keys,
  };
}

/** A fresh system (fresh group, fresh store) in `host` on the pre-loaded topic, until it committed everything. */
async function ingestWithSystem(ctx: BenchContext, host: HostProcess, store: StoreKind, topic: string, recipients: string[], total: number) {
  // In the server process that ran the figures before (so its code is warm), with nothing else in it.
  await host.stop();
  // Polling starts as soon as startSystem returned (no wait for /ready, which would delay it).
  const system = await ctx.startSystem(host, topic, { store, waitUntilReady: false });
  const meter = cpuMeter({ server: host.pid, broker: ctx.brokerPid });
  let doneAt = 0;
  let lagAtFirstPoll: number | undefined;
  await waitFor(
    `the system to store ${total} events`,
    async () => {
      const lag = await groupLag(ctx.admin, system.groupId, topic);
      lagAtFirstPoll ??= lag;
      if (lag === 0) doneAt = wallClockMs();
      return lag === 0;
    },
    { timeoutMs: TIMEOUT_MS, intervalMs: 50 },
  );
  const cpu = meter();
  const ms = doneAt - system.startReturnedAt;

  // Check that the store really holds them all.
  const client = httpGraphQLClient(system.url, 1);
  try {
    const query = `{ ${recipients.map((id, i) => `u${i}: notifications(userId: ${JSON.stringify(id)}, first: 1) { totalCount }`).join(' ')} }`;
    const counts = await client.request<Record<string, { totalCount: number }>>(query);
    const stored = Object.values(counts).reduce((sum, { totalCount }) => sum + totalCount, 0);
    if (stored !== total) throw new Error(`the store holds ${stored} notifications, expected ${total}`);
  } finally {
    client.close();
  }
  return {
    ms,
    extra: {
      ms,
      'startSystem ms': system.startReturnedAt - system.startCalledAt,
      'uncommitted at first poll': lagAtFirstPoll ?? Number.NaN,
      ...cpu,
    },
  };
}
