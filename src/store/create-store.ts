import path from 'node:path';
import type { NotificationStore } from '../notifications/ports.js';
import { runMigrations } from './migrations.js';
import { createNotificationStore } from './notification-store.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';

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
  return createNotificationStore(sql);
}
