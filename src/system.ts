/**
 * Wires every part from a validated config against given Kafka brokers: store, pub/sub, Kafka,
 * the domain's services, the server. `main.ts` adds what development brings (through extensions:
 * it knows none of it) and signals; tests start this directly, with their own topic, group and
 * database.
 */
import { readFile } from 'node:fs/promises';
import { createApp, type AppExtensions } from './app/app.js';
import { createMetricsServer } from './app/metrics-route.js';
import { createTokenVerifier } from './auth/verify-token.js';
import { ConfigError, type Config } from './config.js';
import { createKafkaService } from './kafka/kafka-service.js';
import { createStatsService } from './kafka/stats-service.js';
import { asyncApiJson } from './kafka/asyncapi.js';
import type { Logger } from './logger.js';
import { registerActivityMetrics } from './metrics/activity-metrics.js';
import { registerDigestMetrics } from './metrics/digest-metrics.js';
import { registerKafkaGauges } from './metrics/kafka-gauges.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { registerStatsMetrics } from './metrics/stats-gauges.js';
import { ingestTelemetry, kafkaTelemetry, notifyTelemetry } from './metrics/reporters.js';
import { timedStore } from './metrics/timed-store.js';
import { createActivityRelay } from './notifications/activity-relay.js';
import { wakeOnActivity } from './notifications/activity-wake.js';
import { createBroadcaster, createBroadcastExpander } from './notifications/broadcast.js';
import { createDigestJob } from './notifications/digest-job.js';
import { createInbox } from './notifications/inbox.js';
import { createFeed } from './notifications/feed.js';
import { createIngestor } from './notifications/ingest.js';
import { createLiveFeed } from './notifications/live.js';
import { createPreferences } from './notifications/preferences.js';
import { createKindRegistry, kindsOfFile, KINDS_MAX, type KindSpec } from './notifications/kinds.js';
import type { NotificationStore } from './notifications/ports.js';
import { createRetentionJob } from './notifications/retention.js';
import { createSender } from './notifications/send.js';
import { createSnoozeJob } from './notifications/snooze.js';
import { createTopics } from './notifications/topics.js';
import { createUserDirectory } from './notifications/user-directory.js';
import { createInboxPubSub } from './pubsub/inbox-pubsub.js';
import { createRateLimiter } from './ratelimit/rate-limiter.js';
import { createOutageLog } from './outage-log.js';
import { createShutdown } from './shutdown.js';
import { createStatsProcessor } from './stats/processor.js';
import { createStatsQueries } from './stats/queries.js';
import { createStore, statsStoreOf } from './store/create-store.js';
import { createRedisRankings } from './store/redis-rankings.js';
import { statsStoreWhenReady } from './store/stats-store.js';
import { storeWhenReady } from './store/store-when-ready.js';
import { useOperationSpans } from './tracing/operation-spans.js';

/** What a start may add from outside the system (development adds its aids this way). */
export interface SystemExtensions {
  /** Runs once on the opened store, before it serves (development seeds its demo users). */
  prepareStore?: (store: NotificationStore) => Promise<void>;
  /** Plugins and GraphiQL's opening state, for the app. */
  app?: AppExtensions;
}

export interface SystemOptions extends SystemExtensions {
  config: Config;
  brokers: string[];
  log: Logger;
  /** A PostgreSQL schema to use instead of `public` (tests isolate themselves this way). */
  pgSchema?: string;
}

/**
 * The store, opening in the background. One that is away at start (PostgreSQL restarting as we
 * restart) is not fatal: the process serves at once, /ready names the store, and the store opens
 * when it answers. Resolves after the first attempt; closed at shutdown.
 */
async function openStore({
  config,
  log,
  pgSchema,
  prepareStore,
  shutdown,
}: Pick<SystemOptions, 'config' | 'log' | 'pgSchema' | 'prepareStore'> & { shutdown: ReturnType<typeof createShutdown> }) {
  const opening = storeWhenReady({
    open: () =>
      createStore({
        ...(config.database.url && { databaseUrl: config.database.url }),
        poolSize: config.database.poolSize,
        dataDir: config.dataDir,
        ...(pgSchema && { pgSchema }),
      }),
    ...(prepareStore && { prepare: prepareStore }),
    onRetry: (attempt) => log.warn({ attempt }, 'the store is not reachable yet; retrying'),
  });
  shutdown.add('store', () => opening.store.close());
  await opening.firstAttempt;
  opening.ready.catch((err: unknown) => log.error({ err }, 'the store could not be opened'));
  return opening;
}

/**
 * KINDS_FILE (see kindsOfFile): a file that is missing, not JSON or breaks a rule stops the start
 * with a ConfigError naming the entry and the field. Its kinds are registered at every start (all
 * or none): the file wins over what registerKind set for the kinds it names, and leaves the others.
 */
export async function readKindsFile(path: string): Promise<{ path: string; kinds: KindSpec[] }> {
  const problem = (text: string) => new ConfigError([`KINDS_FILE: ${path}: ${text}`]);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw problem(`cannot be read (${error instanceof Error && 'code' in error ? String(error.code) : 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw problem(`is not JSON (${error instanceof Error ? error.message : 'parse error'})`);
  }
  try {
    return { path, kinds: kindsOfFile(json) };
  } catch (error) {
    throw problem(error instanceof Error ? error.message : String(error));
  }
}

async function registerKindsFile(store: NotificationStore, { path, kinds }: { path: string; kinds: KindSpec[] }): Promise<void> {
  const result = await store.upsertKinds(kinds, KINDS_MAX);
  if (!result.ok) throw new ConfigError([`KINDS_FILE: ${path}: its kinds would take the registry past ${KINDS_MAX} kinds (${result.registered} registered now)`]);
}

export async function startSystem({ config, brokers, log, pgSchema, prepareStore, app: extensions }: SystemOptions) {
  const shutdown = createShutdown(log);
  const metrics = createMetrics();
  try {
    // KINDS_FILE is read before anything starts (a bad file stops the start), and its kinds are
    // registered before the store serves.
    const fileKinds = config.kinds.file === undefined ? null : await readKindsFile(config.kinds.file);
    const prepare = async (opened: NotificationStore) => {
      if (fileKinds) await registerKindsFile(opened, fileKinds);
      await prepareStore?.(opened);
    };
    const opening = await openStore({ config, log, pgSchema, prepareStore: prepare, shutdown });
    const store = timedStore(opening.store, metrics.storeSeconds);
    // The kind registry, read from the store and kept per instance (notifications/kinds.ts).
    const kinds = createKindRegistry({ store });
    // ROLE=api leaves the stats consumer to processes of its own (ROLE=stats); its figures are read here all the same.
    const stats = await startStats({ config, brokers, log, metrics, shutdown, opened: opening.ready, consume: config.role === 'all' });

    const pubsubOutage = createOutageLog(log, 'Redis pub/sub');
    const pubsub = await createInboxPubSub({
      redisUrl: config.redis.url,
      // One line when Redis goes and one when it is back (the publishes that failed counted in
      // it); metrics carry what happened between.
      onStateChange: (up, err) => {
        metrics.pubsubUp.set(up ? 1 : 0);
        if (up) pubsubOutage.succeeded();
        else pubsubOutage.failed(err, 0);
      },
      onPublishFailed: (err) => {
        metrics.pubsubPublishFailures.inc();
        pubsubOutage.failed(err);
      },
      onResync: () => metrics.pubsubResyncs.inc(),
    });
    metrics.pubsubUp.set(1);
    shutdown.add('pub/sub', () => pubsub.stop());

    const digestMetrics = registerDigestMetrics(metrics, () => store.digestBacklog());
    const kafka = createKafkaService(
      { ...config.kafka, brokers },
      {
        ingestor: createIngestor({ store, pubsub, kinds, telemetry: { ...ingestTelemetry(metrics), digested: digestMetrics.digested } }),
        expander: (producer) =>
          createBroadcastExpander({ store, producer, pageSize: config.kafka.broadcastPageSize, onPage: (recipients) => metrics.broadcastRecipients.inc(recipients) }),
      },
      log.child({ part: 'kafka' }),
      kafkaTelemetry(metrics),
    );
    shutdown.add('kafka', () => kafka.stop());
    registerKafkaGauges(metrics, { topic: config.kafka.topic, lag: () => kafka.consumerLag(), restarts: () => kafka.consumerRestarts() });

    // Inbox state changes wait in the store's outbox until the relay has them on the activity
    // topic. Stopped before Kafka (shutdown runs backwards), so its last page is acknowledged or released.
    const activityMetrics = registerActivityMetrics(metrics, () => store.activityBacklog());
    const activityRelay = createActivityRelay({
      store,
      producer: kafka.activityProducer,
      log: log.child({ part: 'activity relay' }),
      // A live relay's page is answered within the send timeout: its lease never runs out first.
      leaseMs: config.kafka.sendTimeoutMs * 6,
      onProduced: (activities) => activityMetrics.produced(activities),
    });
    shutdown.add('activity relay', () => activityRelay.stop());

    // Each limit counts in memory while Redis is away: one line when it moves there, one when back.
    const rateLimiter = async (name: 'send' | 'inbox', settings: typeof config.sendRate) => {
      const outage = createOutageLog(log, `Redis (${name} rate limit: counting in memory meanwhile)`);
      const limiter = await createRateLimiter({
        name,
        ...settings,
        redisUrl: config.redis.url,
        onError: (err) => outage.failed(err),
        onRecovered: () => outage.succeeded(),
      });
      shutdown.add(`${name} rate limiter`, () => limiter.stop());
      return limiter;
    };
    const sendRate = await rateLimiter('send', config.sendRate);
    const inboxRate = await rateLimiter('inbox', config.inboxRate);

    // Snoozed notifications come back at their time; the inbox arms its timer for each snooze made here.
    const snoozeJob = createSnoozeJob({ store, pubsub, ...config.snooze, log: log.child({ part: 'snooze' }) });
    shutdown.add('snooze', () => snoozeJob.stop());

    // Digest periods close at their end: one summary each, through the notification topic (the
    // inbox consumer stores it once, whatever a crash makes the job produce twice).
    const digestJob = createDigestJob({
      store,
      producer: kafka.producer,
      ...config.digests,
      // As the activity relay's: longer than a live producer takes to answer.
      leaseMs: config.kafka.sendTimeoutMs * 6,
      log: log.child({ part: 'digests' }),
      onDelivered: digestMetrics.delivered,
    });
    shutdown.add('digests', () => digestJob.stop());

    const telemetry = notifyTelemetry(metrics);
    // One directory for the sender, the pages and user administration, so all remember the same users.
    const directory = createUserDirectory(store);
    const services = {
      sender: createSender({ users: directory, kinds, producer: kafka.producer, messageMaxLength: config.notifications.messageMaxLength, telemetry }),
      broadcaster: createBroadcaster({ users: directory, kinds, producer: kafka.broadcastProducer, messageMaxLength: config.notifications.messageMaxLength, telemetry }),
      topics: createTopics({ store }),
      inbox: createInbox({ store: wakeOnActivity(store, activityRelay.wake), pubsub, onSnoozed: (until) => snoozeJob.arm(until) }),
      directory,
      live: createLiveFeed({ store, pubsub, telemetry }),
      sendRate,
      inboxRate,
      stats: stats.queries,
      preferences: createPreferences({ store, kinds }),
      kinds,
      feed: createFeed({ store: wakeOnActivity(store, activityRelay.wake), pubsub }),
    };

    const app = createApp({
      ...extensions,
      // Spans only once main.ts (or a test) registered an SDK; the API's no-op otherwise.
      plugins: [...(extensions?.plugins ?? []), useOperationSpans()],
      services,
      verifier: createTokenVerifier(config.auth),
      settings: config.http,
      limits: config.limits,
      log,
      metrics,
      serveMetrics: config.metrics.port === undefined,
      asyncApiJson: asyncApiJson(config.kafka),
      readiness: async () => ({
        kafka: kafka.readiness(),
        pubsub: pubsub.isUp() ? true : 'degraded',
        store: await store.ping().then(
          () => true,
          () => false,
        ),
      }),
    });
    shutdown.add('http', () => app.stop());

    const retention = createRetentionJob({ store, ...config.retention, log });
    shutdown.add('retention', () => retention.stop());
    retention.start();

    // HTTP and WebSocket serve at once; /ready says 503 until Kafka (set up in the background,
    // retrying for as long as it takes) and the store are there. Queries need only the store.
    const url = await app.start(config.http.port, config.http.host);
    let metricsUrl = new URL('/metrics', url).href;
    if (config.metrics.port !== undefined) {
      const metricsServer = createMetricsServer(metrics.registry);
      shutdown.add('metrics', () => metricsServer.stop());
      metricsUrl = await metricsServer.start(config.metrics.port, config.http.host);
    }
    void kafka.start();
    // Once the store serves: a relay started before would only back off while it opens.
    opening.ready.then((opened) => opened && activityRelay.start(), () => {});
    opening.ready.then((opened) => opened && snoozeJob.start(), () => {});
    opening.ready.then((opened) => opened && digestJob.start(), () => {});
    return { url, metricsUrl, app, store, kafka, activityRelay, retention, snoozeJob, digestJob, metrics, stop: () => shutdown.run() };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}

export type System = Awaited<ReturnType<typeof startSystem>>;

interface StatsPartOptions {
  config: Config;
  brokers: string[];
  log: Logger;
  metrics: Metrics;
  shutdown: ReturnType<typeof createShutdown>;
  /** The store once it opened (store-when-ready.ts): the consumer joins its group only then. */
  opened: Promise<NotificationStore | null>;
  /** Run the stats consumer in this process (ROLE=all or stats), or only answer its figures (api). */
  consume: boolean;
}

/** The stats consumer's figures (queries for the API) and, when this process runs it, the consumer and its metrics. */
async function startStats({ config, brokers, log, metrics, shutdown, opened, consume }: StatsPartOptions) {
  const store = statsStoreWhenReady(opened, statsStoreOf);
  const mirror = config.redis.url ? await createRedisRankings({ url: config.redis.url, keyPrefix: config.stats.redisKeyPrefix }) : undefined;
  if (mirror) shutdown.add('stats rankings (Redis)', () => mirror.stop());
  const topics = [config.kafka.topic, config.kafka.activityTopic];
  const queries = createStatsQueries({ store, mirror, topics, graceMs: config.stats.graceMs });
  if (!consume) return { queries, service: null };
  const processor = createStatsProcessor({ store, mirror, graceMs: config.stats.graceMs });
  let service: ReturnType<typeof createStatsService> | null = null;
  const hooks = registerStatsMetrics(metrics, { lag: () => service?.lag() ?? Promise.resolve([]), lastClosed: (granularity) => queries.lastClosed(granularity) });
  service = createStatsService({ ...config.kafka, brokers, statsGroupId: config.stats.groupId }, processor, log.child({ part: 'stats' }), hooks);
  const started = service;
  shutdown.add('stats consumer', () => started.stop());
  // Joined once the store is open: the first thing it does on joining is read the stored positions.
  void opened.then((store) => store && started.start(), () => {});
  return { queries, service };
}

/**
 * ROLE=stats: the stats consumer alone, so an operator scales it apart from the API. Its store,
 * its consumer group, and /metrics (on METRICS_PORT, else PORT); no API.
 */
export async function startStatsSystem({ config, brokers, log, pgSchema }: Pick<SystemOptions, 'config' | 'brokers' | 'log' | 'pgSchema'>) {
  const shutdown = createShutdown(log);
  const metrics = createMetrics();
  try {
    const opening = await openStore({ config, log, pgSchema, shutdown });
    const stats = await startStats({ config, brokers, log, metrics, shutdown, opened: opening.ready, consume: true });
    const metricsServer = createMetricsServer(metrics.registry);
    shutdown.add('metrics', () => metricsServer.stop());
    const metricsUrl = await metricsServer.start(config.metrics.port ?? config.http.port, config.http.host);
    return { metricsUrl, stats, metrics, stop: () => shutdown.run() };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}
