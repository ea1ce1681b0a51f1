/**
 * Every setting, read once from the environment and validated. Only `main.ts` reads this;
 * each part receives the slice it needs.
 */
import { z } from 'zod';

const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port[,host:port…]')).min(1));

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);

/** A comma-separated list of origins (scheme://host[:port]), or `*` for any. */
const origins = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)])));

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  // Loopback unless told otherwise: exposing the port is a decision (the Dockerfile makes it).
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  DATA_DIR: z.string().min(1).default('.data'),

  KAFKA_BROKERS: csv.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('kafka-notify'),
  KAFKA_TOPIC: z.string().min(1).default('notifications'),
  KAFKA_DLQ_TOPIC: z.string().min(1).default('notifications.dlq'),
  KAFKA_GROUP_ID: z.string().min(1).default('notifications-group'),
  /** Unset: `<KAFKA_TOPIC>.broadcasts`, and `<KAFKA_GROUP_ID>.broadcasts` for the group that expands them. */
  KAFKA_BROADCAST_TOPIC: z.string().min(1).optional(),
  KAFKA_BROADCAST_GROUP_ID: z.string().min(1).optional(),
  BROADCAST_PAGE_SIZE: positiveInt.max(10_000).default(1000),
  /** Unset: `<KAFKA_TOPIC>.activity`, where committed inbox state changes (read, archived, …) are told. */
  KAFKA_ACTIVITY_TOPIC: z.string().min(1).optional(),
  /** Unset: `notifications-stats`, or `<KAFKA_GROUP_ID>.stats` when KAFKA_GROUP_ID is set (two deployments on one cluster keep theirs apart). */
  STATS_GROUP_ID: z.string().min(1).optional(),
  /** How long after its end a stats window still takes late events (against the partition's watermark). */
  STATS_GRACE_MS: nonNegativeInt.default(5 * 60_000),
  /** Before the stats rankings' Redis keys (with REDIS_URL). */
  STATS_REDIS_PREFIX: z.string().min(1).default('kafka-notify:stats:'),
  /** What this process runs: everything (the default), the API without the stats consumer, or the stats consumer alone. */
  ROLE: z.enum(['all', 'api', 'stats']).default('all'),
  KAFKA_PARTITIONS: positiveInt.default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(-1).default(-1),
  KAFKA_MIN_INSYNC_REPLICAS: positiveInt.optional(),
  KAFKA_SEND_TIMEOUT_MS: positiveInt.default(5000),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .optional(),

  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_CLOCK_TOLERANCE_S: nonNegativeInt.max(300).default(5),
  AUTH_MAX_TOKEN_LIFETIME_S: positiveInt.optional(),
  /** The claim naming a token's workspace (tenant): Auth0's and Clerk's organisation id by default. */
  AUTH_WORKSPACE_CLAIM: z.string().regex(/^[\x21-\x7E]{1,256}$/, 'expected a claim name').default('org_id'),

  CORS_ORIGINS: origins.optional(),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),
  FIELD_SUGGESTIONS: bool.optional(),

  LIMIT_DEPTH: positiveInt.default(10),
  LIMIT_ALIASES: positiveInt.default(15),
  LIMIT_ROOT_FIELDS: positiveInt.default(10),
  LIMIT_DIRECTIVES: positiveInt.default(20),
  LIMIT_TOKENS: positiveInt.default(5000),
  LIMIT_COST: positiveInt.default(5000),
  LIMIT_BODY_BYTES: positiveInt.default(1024 * 1024),
  LIMIT_WS_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  LIMIT_SUBSCRIPTIONS_PER_CONNECTION: positiveInt.default(20),
  LIMIT_CONNECTIONS_PER_USER: positiveInt.default(20),
  LIMIT_CONNECTIONS: positiveInt.default(20_000),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  SEND_RATE_USER: nonNegativeInt.default(10),
  SEND_BURST_USER: positiveInt.default(100),
  SEND_RATE_SERVICE: nonNegativeInt.default(10_000),
  SEND_BURST_SERVICE: positiveInt.default(20_000),
  INBOX_RATE_USER: nonNegativeInt.default(10),
  INBOX_RATE_SERVICE: nonNegativeInt.default(1000),

  MESSAGE_MAX_LENGTH: positiveInt.max(100_000).default(2000),
  SEED_DEMO_USERS: bool.default(true),
  RETENTION_DAYS: z.coerce.number().min(0).default(90),
  RETENTION_INTERVAL_MS: positiveInt.default(60 * 60 * 1000),
  // How often the snooze wake-up looks for due snoozes made elsewhere (notifications/snooze.ts).
  SNOOZE_INTERVAL_MS: positiveInt.default(5000),
  // A JSON file of kinds to register (create or change) at start (see kinds-file.ts).
  KINDS_FILE: z.string().min(1).optional(),
  // How often the digest job looks for digest periods besides its timer at the nearest end it knows
  // of (notifications/digest-job.ts): a summary comes at most this long after its period's end.
  DIGEST_INTERVAL_MS: positiveInt.default(30_000),

  // Tracing is on when an OTLP endpoint is named; the OpenTelemetry SDK reads every other OTEL_*
  // variable itself (headers, sampler, service name, batching), so only the switch is checked here.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SDK_DISABLED: z.stringbool().optional(),
});

export type Env = z.input<typeof envSchema>;

export function parseConfig(env: Record<string, string | undefined>) {
  // An empty variable means "not set", as with most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
    throw new ConfigError(lines);
  }
  const e = parsed.data;
  const sasl =
    e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
      ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD }
      : undefined;
  if (e.KAFKA_SASL_MECHANISM && !sasl) {
    throw new ConfigError(['KAFKA_SASL_MECHANISM: needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD']);
  }
  const production = e.NODE_ENV === 'production';
  if (production && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    throw new ConfigError(['AUTH_JWT_SECRET: required when NODE_ENV=production (or set AUTH_JWKS_URL instead)']);
  }
  if (e.AUTH_JWT_SECRET && e.AUTH_JWKS_URL) {
    throw new ConfigError(['AUTH_JWKS_URL: set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both']);
  }
  // Developer conveniences are on outside production and off in it, unless set either way.
  const devDefault = (value: boolean | undefined) => value ?? !production;
  return {
    production,
    http: {
      host: e.HOST,
      port: e.PORT,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      corsOrigins: e.CORS_ORIGINS ?? (production ? [] : ['*']),
      graphiql: devDefault(e.GRAPHIQL),
      introspection: devDefault(e.INTROSPECTION),
      fieldSuggestions: devDefault(e.FIELD_SUGGESTIONS),
    },
    auth: {
      secret: e.AUTH_JWT_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      clockToleranceS: e.AUTH_CLOCK_TOLERANCE_S,
      /**
       * The longest a token may live (exp − iat, and exp − now): a day in production; outside it,
       * 30 days, as long as the dev tokens signed with it live.
       */
      maxTokenLifetimeS: e.AUTH_MAX_TOKEN_LIFETIME_S ?? (production ? 86_400 : 30 * 86_400),
      workspaceClaim: e.AUTH_WORKSPACE_CLAIM,
      /** Outside production, with neither a secret nor a JWKS, a dev secret is made under DATA_DIR. */
      devSecret: !production && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL,
    },
    limits: {
      depth: e.LIMIT_DEPTH,
      aliases: e.LIMIT_ALIASES,
      rootFields: e.LIMIT_ROOT_FIELDS,
      directives: e.LIMIT_DIRECTIVES,
      tokens: e.LIMIT_TOKENS,
      cost: e.LIMIT_COST,
      bodyBytes: e.LIMIT_BODY_BYTES,
      wsPayloadBytes: e.LIMIT_WS_PAYLOAD_BYTES,
      subscriptionsPerConnection: e.LIMIT_SUBSCRIPTIONS_PER_CONNECTION,
      connectionsPerUser: e.LIMIT_CONNECTIONS_PER_USER,
      connections: e.LIMIT_CONNECTIONS,
    },
    sendRate: {
      user: { perSecond: e.SEND_RATE_USER, burst: e.SEND_BURST_USER },
      service: { perSecond: e.SEND_RATE_SERVICE, burst: e.SEND_BURST_SERVICE },
    },
    // A UI may spend ten seconds' worth at once (a page marked read item by item), no more.
    inboxRate: {
      user: { perSecond: e.INBOX_RATE_USER, burst: e.INBOX_RATE_USER * 10 },
      service: { perSecond: e.INBOX_RATE_SERVICE, burst: e.INBOX_RATE_SERVICE * 10 },
    },
    /** Unset: /metrics is served on the main port. */
    metrics: { port: e.METRICS_PORT },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
    dataDir: e.DATA_DIR,
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      topic: e.KAFKA_TOPIC,
      dlqTopic: e.KAFKA_DLQ_TOPIC,
      groupId: e.KAFKA_GROUP_ID,
      broadcastTopic: e.KAFKA_BROADCAST_TOPIC ?? `${e.KAFKA_TOPIC}.broadcasts`,
      broadcastGroupId: e.KAFKA_BROADCAST_GROUP_ID ?? `${e.KAFKA_GROUP_ID}.broadcasts`,
      broadcastPageSize: e.BROADCAST_PAGE_SIZE,
      activityTopic: e.KAFKA_ACTIVITY_TOPIC ?? `${e.KAFKA_TOPIC}.activity`,
      partitions: e.KAFKA_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: e.KAFKA_MIN_INSYNC_REPLICAS,
      sendTimeoutMs: e.KAFKA_SEND_TIMEOUT_MS,
      ssl: e.KAFKA_SSL,
      sasl,
    },
    role: e.ROLE,
    stats: {
      groupId: e.STATS_GROUP_ID ?? (e.KAFKA_GROUP_ID === 'notifications-group' ? 'notifications-stats' : `${e.KAFKA_GROUP_ID}.stats`),
      graceMs: e.STATS_GRACE_MS,
      redisKeyPrefix: e.STATS_REDIS_PREFIX,
    },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis: { url: e.REDIS_URL },
    notifications: { messageMaxLength: e.MESSAGE_MAX_LENGTH },
    /** Read by the development aids (src/dev/), which seed their demo users; the production build has none. */
    seedDemoUsers: e.SEED_DEMO_USERS,
    retention: { maxAgeDays: e.RETENTION_DAYS, intervalMs: e.RETENTION_INTERVAL_MS },
    snooze: { intervalMs: e.SNOOZE_INTERVAL_MS },
    /** Read and registered at start by the system (kinds-file.ts); unset: the registry as the store holds it. */
    kinds: { file: e.KINDS_FILE },
    digests: { intervalMs: e.DIGEST_INTERVAL_MS },
    tracing: { enabled: (e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined && e.OTEL_SDK_DISABLED !== true },
  } as const;
}

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
