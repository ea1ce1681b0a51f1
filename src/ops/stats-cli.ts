/**
 * `npm run stats -- rebuild --from <date>`: recomputes the stats windows from the log, from the
 * date's UTC day on, with the service's settings (KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_ACTIVITY_TOPIC,
 * STATS_GROUP_ID, DATABASE_URL, REDIS_URL, …). Running stats consumers may stay up. With the
 * embedded PGlite store (no DATABASE_URL), stop the service first: one process at a time opens it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createStore, statsStoreOf } from '../store/create-store.js';
import { createRedisRankings } from '../store/redis-rankings.js';
import { rebuildStats } from './stats-rebuild.js';

const USAGE = 'usage: npm run stats -- rebuild --from <ISO date, e.g. 2026-12-01>';

async function localBroker(dataDir: string): Promise<string[]> {
  const properties = await readFile(path.join(dataDir, 'kafka', 'server.properties'), 'utf8').catch(() => '');
  const match = /^advertised\.listeners=PLAINTEXT:\/\/(\S+)$/m.exec(properties);
  if (!match) throw new Error('KAFKA_BROKERS is not set and no local broker was found in DATA_DIR: set KAFKA_BROKERS, or run `npm start` first');
  return [match[1]!];
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { from: { type: 'string' } } });
  const from = values.from === undefined ? null : new Date(values.from);
  if (positionals[0] !== 'rebuild' || from === null || Number.isNaN(from.getTime())) {
    console.error(USAGE);
    return 2;
  }
  const config = parseConfig(process.env);
  const log = createLogger({ level: 'warn', format: 'json' });
  const brokers = config.kafka.brokers ?? (await localBroker(path.resolve(config.dataDir)));
  const store = await createStore({ ...(config.database.url && { databaseUrl: config.database.url }), dataDir: path.resolve(config.dataDir) });
  const mirror = config.redis.url ? await createRedisRankings({ url: config.redis.url, keyPrefix: config.stats.redisKeyPrefix }) : undefined;
  try {
    let told = -1;
    const { from: start } = await rebuildStats({
      kafka: { ...config.kafka, brokers, statsGroupId: config.stats.groupId },
      store: statsStoreOf(store),
      mirror,
      graceMs: config.stats.graceMs,
      from,
      log,
      onProgress: (remaining) => {
        if (remaining !== told) console.log(`${remaining} partition(s) still replaying`);
        told = remaining;
      },
    });
    console.log(`stats rebuilt from ${start.toISOString()}`);
    return 0;
  } finally {
    await mirror?.stop();
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stats: ${error instanceof ConfigError ? error.problems.join('; ') : error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
