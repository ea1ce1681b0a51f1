import pg from 'pg';
import type { SqlClient, SqlQuery } from './sql-client.js';
import { translateStoreError } from './store-errors.js';

export interface PgClientOptions {
  connectionString: string;
  /** Every connection uses this schema as its search_path; it is created when missing. */
  schema?: string;
  max?: number;
  /** How long a request may wait for a connection, and for one statement, before STORE_UNAVAILABLE. */
  timeoutMs?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); the next query fails on its own. */
  onError?: (error: Error) => void;
}

const INT8_OID = 20;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

// Scoped to this pool: the global pg.types registry is shared with every other pg user in the process.
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) => (oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)),
};

export async function createPgClient(options: PgClientOptions): Promise<SqlClient> {
  const { connectionString, schema, max = 10, timeoutMs = 5000, onError = () => {} } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    // It goes into a startup option and an identifier unquoted, so only plain names are allowed.
    throw new Error(`Invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max,
    types,
    // Bounded: with the server away, a request answers STORE_UNAVAILABLE in time instead of hanging.
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs * 2,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on('error', onError);

  const client: SqlClient = {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      try {
        const result = await pool.query(text, params);
        return result.rows as R[];
      } catch (error) {
        throw translateStoreError(error);
      }
    },

    async transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T> {
      try {
        return await inTransaction(fn);
      } catch (error) {
        throw translateStoreError(error);
      }
    },

    async close(): Promise<void> {
      await pool.end();
    },
  };

  async function inTransaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T> {
    const connection = await pool.connect();
    // A checked-out client is not the pool's to watch: without a listener of our own, the
    // server going away mid-transaction (57P01 on a restart, a reset) is an unhandled 'error'
    // event, which ends the process. The query in flight fails by itself; report and go on.
    const onConnectionError = (error: Error) => onError(error);
    connection.on('error', onConnectionError);
    const release = (destroy?: Error | boolean) => {
      connection.off('error', onConnectionError);
      connection.release(destroy);
    };
    const tx: SqlQuery = {
      async query<R>(text: string, params?: unknown[]): Promise<R[]> {
        const result = await connection.query(text, params);
        return result.rows as R[];
      },
    };
    try {
      await connection.query('BEGIN');
      const value = await fn(tx);
      await connection.query('COMMIT');
      release();
      return value;
    } catch (error) {
      try {
        await connection.query('ROLLBACK');
        release();
      } catch (rollbackError) {
        // A connection that cannot roll back is in an unknown state: destroy it, not back into the pool.
        release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw error;
    }
  }

  if (schema !== undefined) {
    try {
      await createSchemaIfMissing(client, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }
  return client;
}

async function createSchemaIfMissing(client: SqlClient, schema: string): Promise<void> {
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    // Two processes starting at once can both pass IF NOT EXISTS; the loser sees a unique violation.
    if (!(error instanceof Error && 'code' in error && (error.code === '23505' || error.code === '42P06'))) throw error;
  }
}
