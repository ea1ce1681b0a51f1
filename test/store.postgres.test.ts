import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/store/create-store.js';
import { createNotificationStore } from '../src/store/notification-store.js';
import { runMigrations } from '../src/store/migrations.js';
import { createPgClient } from '../src/store/pg-client.js';
import type { SqlClient } from '../src/store/sql-client.js';
import { describeTopicStoreContract } from './support/topic-store-contract.js';
import { describeOutboxStoreContract } from './support/outbox-store-contract.js';
import { describeSnoozeStoreContract } from './support/snooze-store-contract.js';
import { describePreferencesStoreContract } from './support/preferences-store-contract.js';
import { describeActionsStoreContract } from './support/actions-store-contract.js';
import { describeGroupingStoreContract } from './support/grouping-store-contract.js';
import { describeDigestStoreContract } from './support/digest-store-contract.js';
import { describeKindsStoreContract } from './support/kinds-store-contract.js';
import { describeWorkspaceStoreContract } from './support/workspace-store-contract.js';
import { describeMigrationContract, describeStoreContract } from './support/store-contract.js';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Every schema this run touches carries the run's own random name, so parallel runs never collide.
const run = `store_test_${randomBytes(6).toString('hex')}`;
const schemas: string[] = [];
const nextSchema = (): string => {
  const schema = `${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};

afterAll(async () => {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
});

describeTopicStoreContract('PostgreSQL', async () => {
  const store = await createStore({ databaseUrl, dataDir: '/nonexistent-unused', pgSchema: nextSchema() });
  return { store, dispose: () => store.close() };
});

describeStoreContract('PostgreSQL', async () => {
  const pgSchema = nextSchema();
  const store = await createStore({ databaseUrl, dataDir: '/nonexistent-unused', pgSchema });
  // Its own pool on the same schema, for the contract's fresh counts.
  const sql = await createPgClient({ connectionString: databaseUrl, schema: pgSchema, max: 2 });
  return {
    store,
    sql,
    dispose: async () => {
      await Promise.all([store.close(), sql.close()]);
    },
  };
});

describeOutboxStoreContract('PostgreSQL', async () => {
  const pgSchema = nextSchema();
  const sql = await createPgClient({ connectionString: databaseUrl, schema: pgSchema });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

// Its own pool of several connections: concurrent wake-ups run on connections of their own.
describeSnoozeStoreContract('PostgreSQL', async () => {
  const pgSchema = nextSchema();
  const sql = await createPgClient({ connectionString: databaseUrl, schema: pgSchema, max: 6 });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

// Its own pool of several connections: two presses race on connections of their own.
describeActionsStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema(), max: 4 });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describePreferencesStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema() });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

// Its own pool of several connections: two closers claim on connections of their own.
describeDigestStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema(), max: 4 });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

// Its own pool of several connections: the bound's case runs two upserts at once.
describeKindsStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema(), max: 4 });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), dispose: () => sql.close() };
});

describeWorkspaceStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema() });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

// Its own pool of several connections: two insert transactions into one group run at once.
describeGroupingStoreContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema(), max: 4 });
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeMigrationContract('PostgreSQL', async () => {
  const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema() });
  return { sql, dispose: () => sql.close() };
});

describe('PostgreSQL client', () => {
  it('creates its schema and keeps every table in it', async () => {
    const schema = nextSchema();
    const sql = await createPgClient({ connectionString: databaseUrl, schema });
    try {
      await runMigrations(sql);
      const tables = await sql.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema],
      );
      expect(tables.map((row) => row.table_name)).toEqual([
        'activity_outbox',
        'broadcasts',
        'digest_items',
        'digest_periods',
        'inbox_counters',
        'kind_preferences',
        'kinds',
        'notifications',
        'schema_migrations',
        'stats_counted',
        'stats_positions',
        'stats_rankings',
        'stats_windows',
        'topic_subscriptions',
        'user_settings',
        'users',
      ]);
      const [row] = await sql.query<{ schema: string }>('SELECT current_schema() AS schema');
      expect(row?.schema).toBe(schema);
    } finally {
      await sql.close();
    }
  });

  it('parses int8 as a number on its own pool only', async () => {
    const sql = await createPgClient({ connectionString: databaseUrl });
    const plain = new pg.Client({ connectionString: databaseUrl });
    await plain.connect();
    try {
      expect(await sql.query('SELECT 42::int8 AS n, count(*) AS c FROM (VALUES (1), (2)) AS t (x)')).toEqual([{ n: 42, c: 2 }]);
      expect((await plain.query('SELECT 42::int8 AS n')).rows).toEqual([{ n: '42' }]);
    } finally {
      await plain.end();
      await sql.close();
    }
  });

  it('rolls a failed transaction back and keeps the pool usable', async () => {
    const sql = await createPgClient({ connectionString: databaseUrl, schema: nextSchema(), max: 1 });
    try {
      await sql.query('CREATE TABLE probe (id int PRIMARY KEY)');
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO probe VALUES (1)');
          await tx.query('INSERT INTO probe VALUES (1)');
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await sql.query('SELECT id FROM probe')).toEqual([]);
    } finally {
      await sql.close();
    }
  });

  it('refuses a schema name it cannot pass safely', async () => {
    await expect(createPgClient({ connectionString: databaseUrl, schema: 'bad name; drop' })).rejects.toThrow(/schema name/);
  });

  it('makes a writer of the same recipient wait for the transaction that holds its counter', async () => {
    const sql: SqlClient = await createPgClient({ connectionString: databaseUrl, schema: nextSchema() });
    try {
      await runMigrations(sql);
      const store = createNotificationStore(sql);
      const user = `user-${randomUUID()}`;
      const make = () => ({
        id: randomUUID(),
        senderId: null,
        recipientId: user,
        kind: 'like' as const,
        message: 'm',
        link: null,
        data: null,
        createdAt: new Date(),
      });
      await store.insertNotifications([make()]);

      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let lockTaken = (): void => {};
      const locked = new Promise<void>((resolve) => (lockTaken = resolve));
      // Stands in for a slower writer that has taken the counter but not yet committed.
      const holder = sql.transaction(async (tx) => {
        await tx.query('SELECT last_seq FROM inbox_counters WHERE user_id = $1 FOR UPDATE', [user]);
        lockTaken();
        await held;
      });
      await locked;

      let settled = false;
      const waiting = store.insertNotifications([make()]).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);

      release();
      await holder;
      const [row] = await waiting;
      expect(row?.seq).toBe(2);
    } finally {
      await sql.close();
    }
  });
});

describe('PostgreSQL away', () => {
  it('answers STORE_UNAVAILABLE within the bound, for queries and transactions, whether the server is silent or the port closed', async () => {
    // A real server that does not answer: a listening port that never speaks PostgreSQL.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const client = await createPgClient({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, timeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(client.transaction((tx) => tx.query('SELECT 1'))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await client.close();
      silent.close();
    }
    const refused = await createPgClient({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, timeoutMs: 300 });
    await expect(refused.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await refused.close();
  });
});
