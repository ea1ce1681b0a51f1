import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { initialiseInChild, isInitialised } from './pglite-init.js';
import type { SqlClient, SqlQuery } from './sql-client.js';
import { translateStoreError } from './store-errors.js';

export interface PgliteClientOptions {
  /** Where the database files live (created when missing); in memory when absent. */
  dataDir?: string;
}

/**
 * PGlite's default 128 MB of shared buffers is sized for a server with many backends; one embedded
 * backend serving one inbox table does with 16 MB (idle RSS of PGlite alone: 330 → 200 MB
 * measured), and memory is what the embedded store costs most.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB'];

export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  if (options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true });
    if (!(await isInitialised(options.dataDir))) await initialiseInChild(options.dataDir);
  }
  // PGlite already parses int8 as a number (within the safe range), json as values, timestamptz as Date.
  const db = await PGlite.create({ startParams: START_PARAMS, ...(options.dataDir !== undefined && { dataDir: options.dataDir }) });

  return {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      try {
        const result = await db.query<R>(text, params);
        return result.rows;
      } catch (error) {
        throw translateStoreError(error);
      }
    },

    async transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) =>
          fn({
            async query<R>(text: string, params?: unknown[]): Promise<R[]> {
              const result = await tx.query<R>(text, params);
              return result.rows;
            },
          }),
        );
      } catch (error) {
        throw translateStoreError(error);
      }
    },

    async close(): Promise<void> {
      await db.close();
    },
  };
}
