import path from 'node:path';
import type { NotificationStore } from '../notifications/ports.js';
import { runMigrations } from './migrations.js';
import { createNotificationStore } from './notification-store.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { StatsStore } from '../stats/ports.js';
import { createStatsStore } from './stats-store.js';

export interface StoreOptions {
  /** PostgreSQL when set; otherwise PGlite under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema to live in (created when missing); the server's default search_path otherwise. */
  pgSchema?: string;
  /** Connections to PostgreSQL at most (DATABASE_POOL_SIZE). */
  poolSize?: number;
}

/** Opens the store and brings its schema up to date before returning it. */
export async function createStore(options: StoreOptions): Promise<NotificationStore> {
  const sql = options.databaseUrl
    ? await createPgClient({
        connectionString: options.databaseUrl,
        ...(options.pgSchema === undefined ? {} : { schema: options.pgSchema }),
        ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
      })
    : await createPgliteClient({ dataDir: path.join(options.dataDir, 'pglite') });
  try {
    await runMigrations(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  const store = createNotificationStore(sql);
  statsStores.set(store, createStatsStore(sql));
  return store;
}

/** The stats consumer's tables live in the same database, on the same client (PGlite allows one per directory). */
const statsStores = new WeakMap<NotificationStore, StatsStore>();

export function statsStoreOf(store: NotificationStore): StatsStore {
  const stats = statsStores.get(store);
  if (!stats) throw new Error('not a store opened by createStore');
  return stats;
}
