/**
 * The ingest baseline: a plain kafkajs consumer group that turns each batch into rows and stores
 * them with one bare multi-row `INSERT … VALUES (…), (…)` into the service's own `notifications`
 * table (made by its migrations) in a fresh database of the same kind: a schema of its own in the
 * same PostgreSQL, or a fresh PGlite (in this process, as PGlite runs in the service's). No
 * transaction, no duplicate check, no seq counter in the database (seqs are counted here), no
 * publish; offsets are committed by kafkajs's auto-commit.
 */
import path from 'node:path';
import { runMigrations } from '../src/store/migrations.js';
import { createPgClient } from '../src/store/pg-client.js';
import { createPgliteClient } from '../src/store/pglite-client.js';
import type { SqlClient } from '../src/store/sql-client.js';
import type { BenchContext } from './context.js';
import type { StoreKind } from './settings.js';
import { timedGroupRead } from './kafka-raw.js';

const COLUMNS = ['id', 'recipient_id', 'seq', 'sender_id', 'kind', 'message', 'link', 'data', 'created_at'] as const;
/** Rows per statement: 9 parameters each stay far below PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1_000;

interface EventJson {
  id: string;
  from: string | null;
  to: string;
  kind: string;
  message: string;
  link?: string | null;
  data?: unknown;
  createdAt: string;
}

/**
 * A fresh database of the store's kind with the service's tables, for one rawInsertConsume. The
 * bench opens them at start-up, beside the systems' own start: a fresh PGlite takes seconds.
 */
export async function openRawDatabase(ctx: Pick<BenchContext, 'settings' | 'pgSchema' | 'tempDir'>, store: StoreKind): Promise<SqlClient> {
  const sql =
    store === 'pg'
      ? await createPgClient({ connectionString: ctx.settings.databaseUrl!, schema: ctx.pgSchema(), max: 4 })
      : await createPgliteClient({ dataDir: path.join(await ctx.tempDir('raw-pglite'), 'pglite') });
  await runMigrations(sql);
  return sql;
}

function insertStatement(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
  return `INSERT INTO notifications (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
}

/** Reads `total` events of `topic` with a new group into `sql`; ms from the group join to the last insert. */
export async function rawInsertConsume(ctx: BenchContext, sql: SqlClient, topic: string, total: number): Promise<{ ms: number; cpu: Record<string, number> }> {
  const seqs = new Map<string, number>();
  const result = await timedGroupRead(ctx, {
    group: 'ingest-insert-group',
    topic,
    total,
    what: `the raw consumer to insert ${total} rows`,
    handle: async (messages) => {
      for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
        const chunk = messages.slice(start, start + ROWS_PER_INSERT);
        const params: unknown[] = [];
        for (const message of chunk) {
          const event = JSON.parse(message.value?.toString('utf8') ?? 'null') as EventJson;
          const seq = (seqs.get(event.to) ?? 0) + 1;
          seqs.set(event.to, seq);
          params.push(event.id, event.to, seq, event.from, event.kind, event.message, event.link ?? null, event.data == null ? null : JSON.stringify(event.data), event.createdAt);
        }
        await sql.query(insertStatement(chunk.length), params);
      }
      return messages.length;
    },
  });
  const [row] = await sql.query<{ n: number | string }>('SELECT count(*) AS n FROM notifications');
  if (Number(row?.n) !== total) throw new Error(`the raw baseline stored ${String(row?.n)} rows, expected ${total}`);
  return result;
}
