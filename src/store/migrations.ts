import { migrations as allMigrations } from './migrations/index.js';
import type { Migration } from './migrations/migration.js';
import type { SqlClient, SqlQuery } from './sql-client.js';

export type { Migration };

/**
 * Applies the pending migrations in order, each in its own transaction; returns the versions applied.
 * Instances starting together wait on one advisory lock, keyed by schema so that separate schemas
 * (e.g. parallel test runs) do not wait on each other.
 */
export async function runMigrations(sql: SqlClient, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  await sql.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });

  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const ran = await sql.transaction(async (tx) => {
      await lockMigrations(tx);
      // Checked under the lock: another instance may have applied it while this one waited.
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

async function lockMigrations(tx: SqlQuery): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('kafka-notify:migrations:' || current_schema()))`);
}
