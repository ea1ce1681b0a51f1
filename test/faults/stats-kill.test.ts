/**
 * The stats consumer survives kill -9 in the middle of the stream: ROLE=stats as a child process
 * (`node --import tsx src/main.ts`), on a PostgreSQL schema of the test's own, reads a backlog of
 * 60,000 activity events (seen: they move watermarks only) and the first half of the fixed stream
 * (test/support/stats-stream.ts); it is killed once some batches are counted and not all, the
 * second half is produced, and a new process finishes. The figures are exactly those of an
 * uninterrupted run: nothing counted twice (the position is committed with the figures, whatever
 * Kafka's committed offsets say), nothing missed. An API-only system (ROLE=api) in the test reads them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeActivity } from '../../src/notifications/activity-event.js';
import { eventually } from '../support/hostile.js';
import { testBrokers, uniqueName } from '../support/kafka.js';
import { expectedStatsFigures, produceStatsStream, readStatsFigures, STATS_GRACE_MS, statsStreamCounted } from '../support/stats-stream.js';
import { startTestSystem, TEST_DATABASE_URL, waitUntilReady, type TestSystem } from '../support/system.js';
import { createApp, type AppHandle } from './support/app.js';
import { killAllManaged } from './support/processes.js';

const BACKLOG = 60_000;
const topic = uniqueName('stats-kill');
const activityTopic = `${topic}.activity`;
const groupId = uniqueName('stats-kill-group');
const pgSchema = uniqueName('stats_kill').replace(/[^a-z0-9_]/g, '_');
let db: pg.Client;
let app: AppHandle;
let api: TestSystem;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-stats-kill-'));
  // The API alone (no stats consumer in it): it makes the topics and schema, and answers the figures.
  api = await startTestSystem({ store: 'postgres', reuse: { topic, groupId, dataDir, pgSchema, store: 'postgres' }, env: { ROLE: 'api', STATS_GRACE_MS: String(STATS_GRACE_MS) } });
  await waitUntilReady(api);
  db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${pgSchema}` });
  await db.connect();
  app = await createApp({
    name: 'stats kill',
    brokers: testBrokers(),
    // The same schema as the API's, through the connection's search_path.
    databaseUrl: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${pgSchema}`)}`,
    topic,
    groupId,
    dataDir,
    env: { ROLE: 'stats', STATS_GRACE_MS: String(STATS_GRACE_MS), KAFKA_PARTITIONS: '3', LOG_LEVEL: 'warn', PORT: '0' },
  });
}, 120_000);

afterAll(async () => {
  await app?.stopIfRunning(10_000);
  await killAllManaged();
  await db?.end();
  await api?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function produceBacklog() {
  const kafka = new Kafka({ brokers: testBrokers(), clientId: 'stats-kill-backlog', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const seen = (index: number) => ({
      partition: index % 3,
      ...encodeActivity({
        id: `b0000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
        action: 'seen',
        userId: 'stats-user',
        notificationId: '5a7a0000-0000-4000-8000-000000000001',
        kind: 'like',
        notificationCreatedAt: new Date('2025-03-01T09:00:00Z'),
        // Before any figure of the stream: it moves no window to late.
        at: new Date('2025-03-01T09:30:00Z'),
      }),
    });
    for (let start = 0; start < BACKLOG; start += 10_000) {
      await producer.send({ topic: activityTopic, acks: -1, messages: Array.from({ length: 10_000 }, (_, index) => seen(start + index)) });
    }
  } finally {
    await producer.disconnect();
  }
}

const counted = async () => Number((await db.query<{ n: string }>('SELECT coalesce(sum(next_offset), 0) AS n FROM stats_positions WHERE topic = $1', [activityTopic])).rows[0]?.n ?? 0);

it('kill -9 of the stats consumer in the middle of the stream, then a restart: the figures of an uninterrupted run', { timeout: 120_000 }, async () => {
  await produceBacklog();
  await produceStatsStream(testBrokers(), { topic, activityTopic }, 'first');

  app.start();
  // Some batches counted, not all: kill -9.
  await eventually(async () => {
    if ((await counted()) === 0) throw new Error('nothing counted yet');
  }, 60_000);
  app.expectExit();
  app.current().signal('SIGKILL');
  await app.current().exited;
  const atKill = await counted();
  expect(atKill, 'killed in the middle of the backlog').toBeLessThan(BACKLOG);

  await produceStatsStream(testBrokers(), { topic, activityTopic }, 'second');
  app.start();
  await eventually(async () => {
    if (!(await statsStreamCounted(api.url))) throw new Error('the stream is not counted yet');
  }, 60_000);
  expect(await readStatsFigures(api.url)).toEqual(expectedStatsFigures());
  app.expectExit();
  await app.current().stop(10_000);
});
