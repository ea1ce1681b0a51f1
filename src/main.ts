/** The entry point: configuration, what development adds (src/dev/, absent from the production build), the system, signals. */
import { resolve } from 'node:path';
import { ConfigError, parseConfig } from './config.js';
import { startDevelopment } from './development.js';
import { createLogger } from './logger.js';
import { createShutdown } from './shutdown.js';
import { startStatsSystem, startSystem } from './system.js';
import { startTracing } from './tracing/setup.js';

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
  // Process-wide, and added first so it stops last: the spans of everything else's stop are exported.
  shutdown.add('tracing', startTracing(config.tracing, { log }).stop);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log.info(`${signal}: shutting down`);
      void shutdown.run().then(() => process.exit(0));
    });
  }

  // Asked once: the local broker when KAFKA_BROKERS is unset, dev tokens, demo users, the demo
  // page, GraphiQL's tabs. The production build has none of them and adds nothing.
  const development = await startDevelopment({ config: { ...config, dataDir }, log });
  shutdown.add('development aids', () => development.stop());
  // A start that fails after this point exits without the shutdown; a local broker must not outlive us.
  process.once('exit', () => development.kill());
  if (!config.database.url) log.info(`DATABASE_URL is not set: using the embedded PGlite store in ${resolve(dataDir, 'pglite')}`);

  if (config.role === 'stats') {
    const stats = await startStatsSystem({ config: development.config, brokers: development.brokers, log });
    shutdown.add('stats', () => stats.stop());
    log.info(`The stats consumer runs alone (ROLE=stats); Prometheus metrics at ${stats.metricsUrl}`);
    return;
  }

  const system = await startSystem({ config: development.config, brokers: development.brokers, log, ...development.extensions });
  shutdown.add('system', () => system.stop());
  development.announce(system.url);
  log.info(config.http.graphiql ? `GraphiQL is ready at ${system.url}` : `GraphQL is ready at ${system.url}`);
  log.info(`Prometheus metrics at ${system.metricsUrl}`);
}

main().catch((error: unknown) => {
  console.error('kafka-notify failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
