/** What every full-suite scenario shares: its own broker(s) and PostgreSQL, a steady load, the table row. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExpectStatic } from 'vitest';
import { startKafkaCluster, type KafkaCluster } from './kafka-cluster.js';
import { startPostgres, type LocalPostgres } from './postgres.js';
import { killAllManaged } from './processes.js';
import { formatTable } from './report.js';
import { expectScenarioHeld, runScenario, type ScenarioSpec } from './scenario.js';

export const FULL = { ratePerSecond: 80, warmupMs: 10_000, afterRecoveryMs: 15_000, recoveryBoundMs: 60_000, drainTimeoutMs: 60_000 };

export interface Environment {
  cluster: KafkaCluster;
  pg: LocalPostgres;
  dir: string;
}

export async function startEnvironment(brokers: number): Promise<Environment> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-faults-kafka-'));
  const [cluster, pg] = await Promise.all([startKafkaCluster({ size: brokers, dir }), startPostgres()]);
  return { cluster, pg, dir };
}

export async function stopEnvironment(env: Environment | undefined): Promise<void> {
  await killAllManaged();
  if (!env) return;
  await env.cluster.stop().catch(() => undefined);
  await env.pg.destroy();
  await rm(env.dir, { recursive: true, force: true });
}

export async function runFull(env: Environment, spec: Omit<ScenarioSpec, 'brokers' | 'databaseUrl' | keyof typeof FULL> & Partial<typeof FULL>, expect: ExpectStatic) {
  const databaseUrl = await env.pg.createDatabase(`faults_${Math.random().toString(36).slice(2, 10)}`);
  const result = await runScenario({ ...FULL, ...spec, brokers: env.cluster.brokers, databaseUrl });
  console.log(`\n${formatTable([result.row])}\n`);
  expectScenarioHeld(result, expect);
  return result;
}
