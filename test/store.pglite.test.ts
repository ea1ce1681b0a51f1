import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../src/store/create-store.js';
import { runMigrations } from '../src/store/migrations.js';
import { createNotificationStore } from '../src/store/notification-store.js';
import { createPgliteClient } from '../src/store/pglite-client.js';
import { describeMigrationContract, describeStoreContract } from './support/store-contract.js';
import { describeTopicStoreContract } from './support/topic-store-contract.js';
import { describeOutboxStoreContract } from './support/outbox-store-contract.js';
import { describeSnoozeStoreContract } from './support/snooze-store-contract.js';
import { describePreferencesStoreContract } from './support/preferences-store-contract.js';
import { describeActionsStoreContract } from './support/actions-store-contract.js';
import { describeGroupingStoreContract } from './support/grouping-store-contract.js';
import { describeDigestStoreContract } from './support/digest-store-contract.js';
import { describeKindsStoreContract } from './support/kinds-store-contract.js';
import { describeWorkspaceStoreContract } from './support/workspace-store-contract.js';

describeStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeTopicStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), dispose: () => sql.close() };
});

describeOutboxStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeSnoozeStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describePreferencesStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeDigestStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeKindsStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), dispose: () => sql.close() };
});

describeActionsStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeWorkspaceStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeGroupingStoreContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  await runMigrations(sql);
  return { store: createNotificationStore(sql), sql, dispose: () => sql.close() };
});

describeMigrationContract('PGlite in memory', async () => {
  const sql = await createPgliteClient();
  return { sql, dispose: () => sql.close() };
});

describe('PGlite in a data directory', () => {
  it('keeps notifications, users and numbering across a reopen', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-store-'));
    try {
      const user = `user-${randomUUID()}`;
      const notification = {
        id: randomUUID(),
        senderId: null,
        recipientId: user,
        kind: 'system' as const,
        message: 'kept',
        link: 'https://example.com',
        data: { kept: true },
        createdAt: new Date(),
      };

      const first = await createStore({ dataDir });
      const [stored] = await first.insertNotifications([notification]);
      await first.seedUsers([{ id: user, name: 'Persisted' }]);
      await first.close();

      const second = await createStore({ dataDir });
      try {
        expect(await second.getNotifications([notification.id])).toEqual([stored]);
        expect(await second.getUsers([user])).toEqual([{ id: user, name: 'Persisted' }]);
        expect(await second.insertNotifications([notification])).toEqual([]);
        const [next] = await second.insertNotifications([{ ...notification, id: randomUUID() }]);
        expect(next?.seq).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
