/**
 * The bench's sizes and switches, read once from the environment. `BENCH_SCALE` multiplies every
 * count (0.2 for a quick run); the scenario shapes (batch size, clients in flight, subscribers)
 * stay fixed so that a quick run measures the same thing, only less of it.
 */
import { z } from 'zod';

export const FIGURES = ['produce', 'latency', 'query', 'fanout', 'ingest'] as const;
export type FigureId = (typeof FIGURES)[number];

const envSchema = z.object({
  BENCH_SCALE: z.coerce.number().positive().max(20).default(1),
  /** Partitions of every topic the bench creates or makes the system create (the config default). */
  BENCH_PARTITIONS: z.coerce.number().int().min(1).max(64).default(6),
  /** PostgreSQL instead of PGlite; the system lives in its own schema, dropped afterwards. */
  BENCH_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  /** A comma-separated subset of the figures, e.g. `latency,fanout`. */
  BENCH_ONLY: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(FIGURES)).min(1))
    .optional(),
  /** The system's LOG_LEVEL (its logs go to stderr); silent by default. */
  BENCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
  KAFKA_BROKERS: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port[,host:port…]')).min(1))
    .optional(),
});

export function readSettings(env: Record<string, string | undefined>) {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`invalid bench setting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const scaled = (base: number, min: number) => Math.max(min, Math.round(base * e.BENCH_SCALE));
  return {
    scale: e.BENCH_SCALE,
    partitions: e.BENCH_PARTITIONS,
    databaseUrl: e.BENCH_DATABASE_URL,
    brokers: e.KAFKA_BROKERS,
    logLevel: e.BENCH_LOG_LEVEL,
    figures: new Set<FigureId>(e.BENCH_ONLY ?? FIGURES),
    produce: {
      /** Messages for raw kafkajs and for sendNotifications, each (in batches of `batchSize`). */
      messages: scaled(20_000, 1_000),
      batchSize: 100,
      /** Batches in flight at once, for raw kafkajs and sendNotifications alike. */
      batchConcurrency: 4,
      /** sendNotification calls, `singleConcurrency` in flight. */
      singles: scaled(4_000, 400),
      singleConcurrency: 50,
      /** Interleaved rounds of the three modes; each mode reports its best round. */
      rounds: 3,
    },
    latency: { sends: scaled(300, 60), warmup: scaled(30, 10), ratePerSecond: 50 },
    query: { requests: scaled(1_000, 200), warmup: scaled(300, 100), concurrency: 20, inboxSize: 200, heavyInboxSize: scaled(5_000, 2_000), rounds: 3 },
    fanout: { subscribers: 200, connections: 20, rounds: scaled(10, 4), warmup: 2, heavyInboxSize: scaled(5_000, 2_000) },
    ingest: { messages: scaled(40_000, 4_000), rawPasses: 3 },
  };
}

export type Settings = ReturnType<typeof readSettings>;

/** The command that reproduces this run: the bench's own variables, then how it was started. */
export function benchCommand(env: Record<string, string | undefined>): string {
  const assignments = Object.entries(env)
    .filter(([name, value]) => (name.startsWith('BENCH_') || name === 'KAFKA_BROKERS') && value)
    // The database URL may hold a password: show only that it was set.
    .map(([name, value]) => `${name}=${name === 'BENCH_DATABASE_URL' ? redactUrl(value ?? '') : value}`)
    .sort();
  const launcher = env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts';
  return [...assignments, launcher].join(' ');
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
