/**
 * Digests survive kill -9 in the middle of a period: the real service as a child process, on a
 * PostgreSQL schema of the test's own, reads 12,000 comments for 12 users who get comments as an
 * hourly digest (all of them in one second of one hour, and 1,200 of them written twice); it is
 * killed once some are kept and not all, then started again. When the hour ends, each user gets
 * exactly one summary listing their 1,000 comments: none lost, none counted twice.
 *
 * The closing is done here, by the digest job over the test's own connection to the same schema,
 * with the time it means (the hour is in the future, so the child's own job, on the wall clock,
 * never closes it). A closer that dies after producing the summaries and before marking them
 * closed is played too: the next closer, after the lease, produces the same summaries again, and
 * the inbox stores each once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createDigestJob } from '../../src/notifications/digest-job.js';
import { buildSummary, DIGEST_ITEMS_MAX } from '../../src/notifications/digest-summary.js';
import { encodeEvent } from '../../src/notifications/event.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { eventually } from '../support/hostile.js';
import { testBrokers, uniqueName } from '../support/kafka.js';
import { TEST_DATABASE_URL } from '../support/system.js';
import { createApp, type AppHandle } from './support/app.js';
import { killAllManaged } from './support/processes.js';

const USERS = Array.from({ length: 12 }, (_, index) => `digest-kill-${index}`);
const PER_USER = 1000;
const TOTAL = USERS.length * PER_USER;
const LEASE_MS = 60_000;
const hourEnd = new Date('2027-01-04T11:00:00.000Z');
const topic = uniqueName('digest-kill');
const pgSchema = uniqueName('digest_kill').replace(/[^a-z0-9_]/g, '_');
let app: AppHandle;
let db: pg.Client;
let store: NotificationStore;
let kafka: Kafka;
let producer: Producer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-digest-kill-'));
  app = await createApp({
    name: 'digest kill',
    brokers: testBrokers(),
    databaseUrl: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${pgSchema}`)}`,
    topic,
    groupId: uniqueName('digest-kill-group'),
    dataDir,
    // The job's own checks a day apart: the test closes the hour.
    env: { KAFKA_PARTITIONS: '3', LOG_LEVEL: 'warn', DIGEST_INTERVAL_MS: String(86_400_000) },
  });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${pgSchema}`);
  await admin.end();
  store = await createStore({ databaseUrl: TEST_DATABASE_URL, dataDir, pgSchema });
  db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${pgSchema}` });
  await db.connect();
  kafka = new Kafka({ brokers: testBrokers(), clientId: 'digest-kill', logLevel: logLevel.NOTHING });
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await app?.stopIfRunning(10_000);
  await killAllManaged();
  await producer?.disconnect();
  await db?.end();
  await store?.close();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
  await admin.end();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Writes notifications to the topic as the service's producer does (keyed by recipient, acks = all). */
async function produce(items: readonly NewNotification[]): Promise<void> {
  for (let start = 0; start < items.length; start += 2000) {
    await producer.send({ topic, acks: -1, messages: items.slice(start, start + 2000).map((item) => encodeEvent(item)) });
  }
}

const kept = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM digest_items')).rows[0]?.n);

it('kill -9 in the middle of a digest period, then a restart: one summary per user with every comment, once', { timeout: 180_000 }, async () => {
  app.start();
  await app.waitReady(90_000);
  for (const user of USERS) await store.setPreferences(user, { kinds: [{ kind: 'comment', delivery: 'hourly_digest' }] });

  // All in one second; every tenth written twice (a producer's retry), right after the first.
  const comments = USERS.flatMap((user, u) =>
    Array.from({ length: PER_USER }, (_, index): NewNotification => ({
      id: randomUUID(),
      senderId: '3',
      recipientId: user,
      kind: 'comment',
      message: `comment ${u}-${index}`,
      link: null,
      data: null,
      createdAt: new Date(Date.parse('2027-01-04T10:30:00.000Z') + (index % 1000)),
    })),
  );
  await produce(comments.flatMap((comment, index) => (index % 10 === 0 ? [comment, comment] : [comment])));

  // Some kept, not all: kill -9.
  await eventually(async () => {
    if ((await kept()) === 0) throw new Error('nothing kept yet');
  }, 60_000);
  app.expectExit();
  app.current().signal('SIGKILL');
  await app.current().exited;
  const atKill = await kept();
  expect(atKill, 'killed in the middle of the period').toBeLessThan(TOTAL);

  app.start();
  await app.waitReady(90_000);
  await eventually(async () => {
    const n = await kept();
    if (n < TOTAL) throw new Error(`${n} of ${TOTAL} kept`);
  }, 60_000);
  expect(await kept()).toBe(TOTAL);

  // A closer that produced the summaries and died before marking them closed.
  const claimed = await store.claimDueDigests(hourEnd, 100, LEASE_MS, DIGEST_ITEMS_MAX);
  expect(claimed.map((digest) => [digest.period.recipientId, digest.total]).sort()).toEqual(USERS.map((user) => [user, PER_USER]).sort());
  await produce(claimed.map(buildSummary));
  // The next one, once the lease ran out: the same summaries, this time marked closed.
  const job = createDigestJob({
    store,
    producer: { send: produce },
    intervalMs: 86_400_000,
    leaseMs: LEASE_MS,
    log: createLogger({ level: 'silent', format: 'json' }),
  });
  expect(await job.runOnce(new Date(hourEnd.getTime() + LEASE_MS - 1)), 'still leased').toBe(0);
  expect(await job.runOnce(new Date(hourEnd.getTime() + LEASE_MS))).toBe(USERS.length);
  expect(await job.runOnce(new Date(hourEnd.getTime() + 2 * LEASE_MS)), 'closed').toBe(0);

  const inbox = async () =>
    (
      await db.query<{ recipient_id: string; rows: string; total: string; message: string }>(
        `SELECT recipient_id, count(*) AS rows, max(data->'digest'->>'total') AS total, max(message) AS message
           FROM notifications WHERE recipient_id = ANY($1::text[]) GROUP BY recipient_id ORDER BY recipient_id`,
        [USERS],
      )
    ).rows;
  await eventually(async () => {
    const rows = await inbox();
    if (rows.length < USERS.length) throw new Error(`${rows.length} of ${USERS.length} summaries stored`);
  }, 30_000);
  // Stored once each, although produced twice; no comment stored on its own.
  expect(await inbox()).toEqual([...USERS].sort().map((user) => ({ recipient_id: user, rows: '1', total: String(PER_USER), message: `${PER_USER} new comments` })));
  const periods = await db.query<{ item_count: number; closed: boolean }>('SELECT item_count, closed_at IS NOT NULL AS closed FROM digest_periods');
  expect(periods.rows).toEqual(USERS.map(() => ({ item_count: PER_USER, closed: true })));
  app.expectExit();
  await app.current().stop(10_000);
});
