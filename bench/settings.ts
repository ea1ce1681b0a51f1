/**
 * The bench's sizes and switches, read once from the environment and the command line.
 * `BENCH_SCALE` multiplies every count; `--quick` is BENCH_SCALE=0.2 (a run of under two minutes).
 * The scenario shapes (batch size, clients in flight, subscribers, the steady rate) stay fixed so
 * that a quick run measures the same thing, only less of it.
 */
import { z } from 'zod';

export const FIGURES = ['rss', 'produce', 'rest', 'latency', 'query', 'fanout', 'steady', 'connections', 'ingest', 'stats'] as const;
export type FigureId = (typeof FIGURES)[number];

export const STORES = ['pg', 'pglite'] as const;
export type StoreKind = (typeof STORES)[number];
export const STORE_NAMES: Record<StoreKind, string> = { pg: 'PostgreSQL', pglite: 'PGlite' };

/** The PostgreSQL these machines run for tests; each system gets a schema of its own in it. */
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const QUICK_SCALE = 0.2;

const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const envSchema = z.object({
  BENCH_SCALE: z.coerce.number().positive().max(20).optional(),
  /** Partitions of every topic the bench creates or makes the system create (the config default). */
  BENCH_PARTITIONS: z.coerce.number().int().min(1).max(64).default(6),
  /** The PostgreSQL of the `pg` store; each system lives in its own schema, dropped afterwards. */
  BENCH_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').default(DEFAULT_DATABASE_URL),
  /** The stores to measure, the first one running the figures that need only one system. */
  BENCH_STORES: list(STORES).default([...STORES]),
  /** A comma-separated subset of the figures, e.g. `latency,fanout`. */
  BENCH_ONLY: list(FIGURES).optional(),
  /** Open graphql-ws connections of the connections figure (10,000, or 2,000 with --quick). */
  BENCH_CONNECTIONS: z.coerce.number().int().min(10).max(15_000).optional(),
  /**
   * 1: keep, in latest.json and latest.md, the figures of the previous latest.json that this run did
   * not measure (each marked with the run it came from), instead of writing this run's alone.
   */
  BENCH_MERGE: z.enum(['0', '1']).default('0'),
  /** The system's LOG_LEVEL (its logs go to stderr); silent by default. */
  BENCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
  KAFKA_BROKERS: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port[,host:port…]')).min(1))
    .optional(),
});

export function readSettings(env: Record<string, string | undefined>, argv: readonly string[] = []) {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`invalid bench setting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const unknown = argv.filter((arg) => arg !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')} (the only one is --quick)`);
  const e = parsed.data;
  const quick = argv.includes('--quick');
  const scale = e.BENCH_SCALE ?? (quick ? QUICK_SCALE : 1);
  const scaled = (base: number, min: number) => Math.max(min, Math.round(base * scale));
  const stores = [...new Set(e.BENCH_STORES)];
  return {
    quick,
    scale,
    partitions: e.BENCH_PARTITIONS,
    stores,
    databaseUrl: stores.includes('pg') ? e.BENCH_DATABASE_URL : undefined,
    brokers: e.KAFKA_BROKERS,
    logLevel: e.BENCH_LOG_LEVEL,
    merge: e.BENCH_MERGE === '1',
    figures: new Set<FigureId>(e.BENCH_ONLY ?? FIGURES),
    rss: {
      /** Idle is when RSS moved less than this fraction over `stableMs`, or after `maxWaitMs` anyway. */
      tolerance: 0.01,
      stableMs: 2_000,
      maxWaitMs: scaled(20_000, 6_000),
    },
    produce: {
      /** Messages for raw kafkajs and for sendNotifications, each (in batches of `batchSize`). */
      messages: scaled(20_000, 1_000),
      batchSize: 100,
      /** Batches in flight at once, for raw kafkajs and sendNotifications alike. */
      batchConcurrency: 4,
      /** sendNotification calls and `{ __typename }` requests, `singleConcurrency` in flight. */
      singles: scaled(4_000, 400),
      singleConcurrency: 50,
      /** Interleaved rounds of the modes; each mode reports its best round. */
      rounds: quick ? 2 : 3,
    },
    rest: {
      /** POSTs of one notification each (and GraphQL sendNotification calls, and bare POSTs), `singleConcurrency` in flight. */
      singles: scaled(4_000, 400),
      singleConcurrency: 50,
      /** Notifications in POSTs of `batchSize`, and raw kafkajs messages in batches of `batchSize`, `batchConcurrency` in flight. */
      messages: scaled(20_000, 1_000),
      batchSize: 100,
      batchConcurrency: 4,
      rounds: quick ? 2 : 3,
    },
    latency: { sends: scaled(300, 60), warmup: scaled(30, 10), ratePerSecond: 50 },
    query: { requests: scaled(1_000, 200), warmup: scaled(300, 100), concurrency: 20, inboxSize: 200, heavyInboxSize: 5_000, rounds: quick ? 2 : 3 },
    fanout: { subscribers: 200, connections: 20, rounds: scaled(10, 4), warmup: 2, heavyInboxSize: scaled(5_000, 2_000) },
    steady: {
      ratePerSecond: 500,
      /** Measured sends: `ratePerSecond` × the seconds (20 s, 4 s quick), after a warm-up second. */
      seconds: scaled(20, 4),
      warmupSeconds: 1,
      /** After the last scheduled send, what has not arrived within this is lost. */
      drainMs: 10_000,
      /** Sends in flight at once at most; beyond it a send is not made and counts as lost. */
      maxInFlight: 5_000,
    },
    connections: {
      count: e.BENCH_CONNECTIONS ?? scaled(10_000, 200),
      /** Connections being opened at once. */
      openConcurrency: 100,
      /** Fan-out rounds (one notification per user each), after one warm-up round. */
      rounds: quick ? 2 : 3,
      /** The fan-out's mutations: sendNotifications with this many inputs (the API's maximum), all in flight. */
      sendBatch: 1_000,
    },
    ingest: { messages: scaled(40_000, 4_000), rawPasses: 3 },
    /** The stats consumer's backlog (issue 18), and the passes of its raw decoding baseline. */
    stats: { messages: scaled(40_000, 4_000), rawPasses: 3 },
  };
}

export type Settings = ReturnType<typeof readSettings>;

/** The command that reproduces this run: the bench's own variables, then how it was started. */
export function benchCommand(env: Record<string, string | undefined>, argv: readonly string[] = []): string {
  const assignments = Object.entries(env)
    .filter(([name, value]) => (name.startsWith('BENCH_') || name === 'KAFKA_BROKERS') && value)
    // The database URL may hold a password: show only that it was set.
    .map(([name, value]) => `${name}=${name === 'BENCH_DATABASE_URL' ? redactUrl(value ?? '') : value}`)
    .sort();
  const launcher = env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts';
  const args = argv.length === 0 ? [] : env.npm_lifecycle_event === 'bench' ? ['--', ...argv] : [...argv];
  return [...assignments, launcher, ...args].join(' ');
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<set>';
  }
}
