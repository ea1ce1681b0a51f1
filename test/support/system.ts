/**
 * Starts the real system for a test: a real server on a free port, the run's Kafka broker, a real
 * store, and what development adds (dev tokens, demo users, GraphiQL's tabs, the demo page), asked
 * the way main.ts asks it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig, type Env } from '../../src/config.js';
import { startDevelopment } from '../../src/dev/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startSystem, type System } from '../../src/system.js';
import { TEST_JWT_SECRET } from './auth.js';
import { testBrokers, uniqueName } from './kafka.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSystemOptions {
  store?: 'pglite' | 'postgres';
  /** Reuse the topic, group and data of an earlier run (a restart). */
  reuse?: TestSystemHandle;
  brokers?: string[];
  env?: Partial<Record<keyof Env, string>>;
  /** A logger of the test's own (to read what the system logs); default: one at TEST_LOG_LEVEL, silent. */
  log?: Logger;
}

export interface TestSystemHandle {
  topic: string;
  groupId: string;
  dataDir: string;
  pgSchema: string;
  store: 'pglite' | 'postgres';
}

export type TestSystem = System & {
  handle: TestSystemHandle;
  /** The development tokens (Emma's, Bruno's, …, a service's), where the config makes them: no secret configured. */
  devTokens: Awaited<ReturnType<typeof startDevelopment>>['tokens'];
  wsUrl: string;
  /** Stops the system; with `keepData`, a later `startTestSystem({ reuse })` finds everything again. */
  dispose(options?: { keepData?: boolean }): Promise<void>;
};

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const handle: TestSystemHandle = options.reuse ?? {
    topic: uniqueName('notifications'),
    groupId: uniqueName('group'),
    dataDir: await mkdtemp(join(tmpdir(), 'kafka-notify-test-')),
    pgSchema: uniqueName('test').replace(/[^a-z0-9_]/g, '_'),
    store: options.store ?? 'pglite',
  };
  const config = parseConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    DATA_DIR: handle.dataDir,
    KAFKA_TOPIC: handle.topic,
    KAFKA_DLQ_TOPIC: `${handle.topic}.dlq`,
    KAFKA_GROUP_ID: handle.groupId,
    KAFKA_PARTITIONS: '3',
    KAFKA_SEND_TIMEOUT_MS: '3000',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    // Given, so that development launches no broker of its own.
    KAFKA_BROKERS: (options.brokers ?? testBrokers()).join(','),
    ...(handle.store === 'postgres' && { DATABASE_URL: TEST_DATABASE_URL }),
    ...options.env,
  });
  const log = options.log ?? createLogger(config.log);
  const development = await startDevelopment({ config, log });
  const system = await startSystem({
    config: development.config,
    brokers: development.brokers,
    log,
    ...development.extensions,
    ...(handle.store === 'postgres' && { pgSchema: handle.pgSchema }),
  });
  return {
    ...system,
    handle,
    devTokens: development.tokens,
    wsUrl: system.url.replace(/^http/, 'ws'),
    async dispose({ keepData = false } = {}) {
      await system.stop();
      await development.stop();
      if (keepData) return;
      await rm(handle.dataDir, { recursive: true, force: true });
      if (handle.store === 'postgres') {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${handle.pgSchema}" CASCADE`);
        await client.end();
      }
    },
  };
}

/** Waits until the consumer group has joined, so that what a test sends is consumed promptly. */
export async function waitUntilReady(system: System, timeoutMs = 60_000): Promise<void> {
  const readyUrl = new URL('/ready', system.url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(readyUrl);
    if (response.ok) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
