import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQuery } from './sql-client.js';
import { translateStoreError } from './store-errors.js';

export interface PgliteClientOptions {
  /** Where the database files live (created when missing); in memory when absent. */
  dataDir?: string;
}

export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  // PGlite already parses int8 as a number (within the safe range), json as values, timestamptz as Date.
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });

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
