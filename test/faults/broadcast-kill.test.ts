/**
 * A broadcast's expansion survives kill -9 of the process in the middle of it: the real service as
 * a child process on the run's broker and a PostgreSQL database of its own, a topic of 20,000
 * subscribers expanded 100 at a time, the process killed once some pages (not all) are recorded,
 * then started again. Every subscriber ends with exactly one copy, and the new process resumed
 * after the recorded page instead of starting over.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminToken } from '../support/auth.js';
import { eventually } from '../support/hostile.js';
import { testBrokers, uniqueName } from '../support/kafka.js';
import { TEST_DATABASE_URL } from '../support/system.js';
import { createApp, type AppHandle } from './support/app.js';
import { killAllManaged } from './support/processes.js';

const SUBSCRIBERS = 20_000;
const PAGE = 100;
const database = `broadcast_kill_${randomBytes(4).toString('hex')}`;
const databaseUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${database}` }).href;
let admin: pg.Client;
let db: pg.Client;
let app: AppHandle;
let dataDir: string;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-broadcast-kill-'));
  app = await createApp({
    name: 'broadcast kill',
    brokers: testBrokers(),
    databaseUrl,
    topic: uniqueName('bk'),
    groupId: uniqueName('bk-group'),
    dataDir,
    env: { BROADCAST_PAGE_SIZE: String(PAGE), KAFKA_PARTITIONS: '2', LOG_LEVEL: 'warn' },
  });
  app.start();
  await app.waitReady(90_000);
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await app?.stopIfRunning(10_000);
  await killAllManaged();
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(new URL('/metrics', app.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

it('kill -9 in the middle of an expansion: every subscriber gets it exactly once, and the restart resumes', { timeout: 180_000 }, async () => {
  const topic = 'all-hands';
  // The users and their subscriptions straight into the service's database: seeding 20,000 through the API is not what is tested.
  await db.query(`INSERT INTO users (id, name) SELECT 'bk-' || lpad(n::text, 5, '0'), 'Subscriber ' || n FROM generate_series(1, $1) AS n`, [SUBSCRIBERS]);
  await db.query(`INSERT INTO topic_subscriptions (topic, user_id, subscribed_at) SELECT $1, id, now() - interval '1 minute' FROM users WHERE id LIKE 'bk-%'`, [topic]);

  const response = await fetch(new URL('/v1/broadcasts', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}` },
    body: JSON.stringify({ topic, kind: 'system', message: 'The office is closed on Friday.' }),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };

  // The moment some pages are recorded and the expansion is not done: kill -9.
  const progress = async () => (await db.query<{ recipients: string; done: boolean }>('SELECT recipients, completed_at IS NOT NULL AS done FROM broadcasts WHERE id = $1', [id])).rows[0];
  const midway = await eventually(async () => {
    const row = await progress();
    if (!row || Number(row.recipients) === 0) throw new Error('no page recorded yet');
    return row;
  }, 60_000);
  app.expectExit();
  app.current().signal('SIGKILL');
  await app.current().exited;
  const atKill = await progress();
  expect(atKill?.done, 'killed before the expansion finished').toBe(false);
  const recordedAtKill = Number(atKill?.recipients);
  expect(recordedAtKill).toBeGreaterThanOrEqual(Number(midway.recipients));
  expect(recordedAtKill).toBeLessThan(SUBSCRIBERS);

  app.start();
  await app.waitReady(90_000);
  const stored = async () =>
    (await db.query<{ copies: string; recipients: string }>(
      `SELECT count(*) AS copies, count(DISTINCT recipient_id) AS recipients FROM notifications WHERE message = 'The office is closed on Friday.'`,
    )).rows[0];
  await eventually(async () => {
    const row = await stored();
    if (Number(row?.recipients) < SUBSCRIBERS) throw new Error(`${row?.recipients} of ${SUBSCRIBERS} stored`);
  }, 90_000);
  expect(await stored()).toEqual({ copies: String(SUBSCRIBERS), recipients: String(SUBSCRIBERS) });
  expect(await progress()).toEqual({ recipients: String(SUBSCRIBERS), done: true });
  // Resumed after the last recorded page: the new process wrote the rest, plus at most the page in flight.
  const writtenAfterRestart = await metric('notify_broadcast_recipients_total');
  expect(writtenAfterRestart).toBeLessThanOrEqual(SUBSCRIBERS - recordedAtKill);
  expect(writtenAfterRestart).toBeGreaterThan(0);
});
