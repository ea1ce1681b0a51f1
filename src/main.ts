/** The entry point: configuration, a local Kafka broker when none is configured, the system, signals. */
import { resolve } from 'node:path';
import { ConfigError, parseConfig } from './config.js';
import { loadLocalKafkaLauncher } from './local-kafka.js';
import { createLogger } from './logger.js';
import { createShutdown } from './shutdown.js';
import { startSystem } from './system.js';

async function main() {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`kafka-notify: invalid setting ${problem}`);
    process.exit(1);
  }
  const log = createLogger(config.log);
  // Node prints its warnings (a MaxListenersExceededWarning, a deprecation) and a crash's error as
  // plain text on stderr, lines a JSON log reader cannot parse: they go into the log instead.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn({ err: warning }, `Node.js warning: ${warning.name}`));
  process.on('uncaughtException', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception: exiting');
    process.exit(1);
  });
  const dataDir = resolve(config.dataDir);
  // The system's own parts are bounded one by one; this bound only guards against a hang.
  const shutdown = createShutdown(log, { partTimeoutMs: 60_000 });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log.info(`${signal}: shutting down`);
      void shutdown.run().then(() => process.exit(0));
    });
  }

  let brokers = config.kafka.brokers;
  if (!brokers) {
    const { startLocalBroker } = await loadLocalKafkaLauncher();
    log.info('KAFKA_BROKERS is not set: starting a local Kafka broker (the first start downloads Kafka, about 45 MB)');
    const broker = await startLocalBroker({ dataDir: resolve(dataDir, 'kafka'), log: (line) => log.info(line) });
    shutdown.add('kafka broker', () => broker.stop());
    // A start that fails after this point exits without the shutdown; the broker must not outlive us.
    process.once('exit', () => broker.kill());
    brokers = broker.brokers;
  }
  if (!config.database.url) log.info(`DATABASE_URL is not set: using the embedded PGlite store in ${resolve(dataDir, 'pglite')}`);

  const system = await startSystem({ config: { ...config, dataDir }, brokers, log });
  shutdown.add('system', () => system.stop());
  if (system.devTokens) {
    // Development only: config refuses to start in production without a real secret or JWKS.
    const lines = system.devTokens.users.map(({ user, token }) => `  ${user.name} (user ${user.id}): ${token}`);
    log.info(
      `Development tokens (HS256, secret in ${resolve(dataDir, 'dev-jwt-secret')}; send as "Authorization: Bearer <token>"):\n${lines.join('\n')}\n  service (notifications:send notifications:admin): ${system.devTokens.service}`,
    );
  }
  if (system.devTokens) log.info(`Inbox demo at ${new URL('/', system.url).href} (pick Emma or Bruno)`);
  log.info(config.http.graphiql ? `GraphiQL is ready at ${system.url}` : `GraphQL is ready at ${system.url}`);
  log.info(`Prometheus metrics at ${system.metricsUrl}`);
}

main().catch((error: unknown) => {
  console.error('kafka-notify failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
