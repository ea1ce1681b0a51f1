/**
 * The activity outbox survives kill -9: the real service as a child process on a PostgreSQL
 * database of its own, Kafka unreachable, so every inbox change it commits stays in the outbox
 * while the relay claims, fails and retries; the process is killed -9 while the relay holds a
 * page (as close as the test can place it), then a process with Kafka back on the same database
 * produces every change once, in order per recipient, and the outbox ends empty. A page leased
 * by the dead process waits for its lease to run out, then goes like the rest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { NotificationStore } from '../../src/notifications/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { readActivityTopic } from '../support/activity-topic.js';
import { userToken } from '../support/auth.js';
import { graphql } from '../support/graphql.js';
import { eventually } from '../support/hostile.js';
import { testBrokers, uniqueName } from '../support/kafka.js';
import { TEST_DATABASE_URL } from '../support/system.js';
import { createApp, type AppHandle } from './support/app.js';
import { killAllManaged } from './support/processes.js';

const USERS = 3;
const PER_USER = 4;
const database = `activity_kill_${randomBytes(4).toString('hex')}`;
const databaseUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${database}` }).href;
const topic = uniqueName('ak');
let admin: pg.Client;
let db: pg.Client;
let store: NotificationStore;
let dataDir: string;
let reader: Awaited<ReturnType<typeof readActivityTopic>> | undefined;

const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const app = async (name: string, brokers: string[]): Promise<AppHandle> =>
  createApp({ name, brokers, databaseUrl, topic, groupId: `${topic}-group`, dataDir, env: { KAFKA_SEND_TIMEOUT_MS: '1000', KAFKA_PARTITIONS: '2', LOG_LEVEL: 'warn' } });

beforeAll(async () => {
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-activity-kill-'));
  // The test's own store on that database (migrated here, as the service would).
  store = await createStore({ databaseUrl, dataDir });
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await reader?.stop();
  await killAllManaged();
  await store?.close();
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('kill -9 with changes in the outbox: the next process produces every one once, in order per recipient', { timeout: 180_000 }, async () => {
  const away = await app('activity kill (Kafka away)', [`127.0.0.1:${await closedPort()}`]);
  away.start();
  // Not ready (Kafka is away), but serving: /health answers.
  await eventually(async () => {
    if (!(await fetch(new URL('/health', away.url))).ok) throw new Error('not serving yet');
  }, 60_000);

  // Kafka is away, so the notifications go into the store directly, as the consumer would have put them.
  const users = Array.from({ length: USERS }, (_, index) => `ak-${index}-${randomUUID().slice(0, 6)}`);
  const made = new Map<string, string[]>();
  for (const user of users) {
    const items: NewNotification[] = Array.from({ length: PER_USER }, (_, index) => ({
      id: randomUUID(),
      senderId: '1',
      recipientId: user,
      kind: 'like',
      message: `liked ${index}`,
      link: null,
      data: null,
      createdAt: new Date(),
    }));
    made.set(user, (await store.insertNotifications(items)).map((n) => n.id));
  }

  // Per user: read the first two, archive the third, delete the first, then mark all read (the fourth).
  const expected = new Map<string, [string, string][]>();
  for (const user of users) {
    const [a, b, c, d] = made.get(user) as [string, string, string, string];
    const token = await userToken(user);
    const run = async (query: string, variables: Record<string, unknown> = {}) => {
      const answer = await graphql(away.url, query, variables, { token });
      expect(answer.errors).toBeUndefined();
    };
    await run('mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) { action } }', { ids: [a, b] });
    await run('mutation ($ids: [ID!]!) { archiveNotifications(ids: $ids) { action } }', { ids: [c] });
    await run('mutation ($ids: [ID!]!) { deleteNotifications(ids: $ids) { action } }', { ids: [a] });
    await run('mutation { markAllNotificationsRead { action } }');
    expected.set(user, [
      ['read', a],
      ['read', b],
      ['archived', c],
      ['deleted', a],
      ['read', d],
    ]);
  }
  const total = USERS * 5;
  const outboxRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM activity_outbox')).rows[0]?.n);
  expect(await outboxRows()).toBe(total);

  // The moment the relay holds a page (claimed, its produce in flight): kill -9.
  await eventually(async () => {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM activity_outbox WHERE claimed_until > now()');
    if (Number(rows[0]?.n) === 0) throw new Error('no page claimed yet');
  }, 30_000);
  away.expectExit();
  away.current().signal('SIGKILL');
  await away.current().exited;
  expect(await outboxRows()).toBe(total);
  // Killed inside the claim's window (its produce waits up to the 1 s send timeout): the dead
  // process's lease still stands, and the next process must wait it out rather than lose the page.
  const leased = await db.query<{ n: string }>('SELECT count(*) AS n FROM activity_outbox WHERE claimed_until > now()');
  expect(Number(leased.rows[0]?.n)).toBeGreaterThan(0);

  const back = await app('activity kill (Kafka back)', testBrokers());
  back.start();
  await back.waitReady(90_000);
  reader = await readActivityTopic(testBrokers(), `${topic}.activity`);
  await reader.until((received) => received.length >= total);
  // Every one, once, keyed by its recipient, in each recipient's order.
  for (const user of users) {
    const ofUser = reader.received.filter((message) => message.activity.userId === user);
    expect(ofUser.map((message) => [message.activity.action, message.activity.notificationId])).toEqual(expected.get(user));
    expect(ofUser.every((message) => message.key === user)).toBe(true);
  }
  expect(reader.received).toHaveLength(total);
  expect(new Set(reader.received.map((message) => message.activity.id)).size).toBe(total);
  await eventually(async () => {
    if ((await outboxRows()) !== 0) throw new Error('outbox not empty yet');
  }, 30_000);

  back.expectExit();
  await back.current().stop(10_000);
});
