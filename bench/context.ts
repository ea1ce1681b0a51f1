/** What every figure gets from bench/run.ts: the settings, the running parts and a few helpers. */
import type { Admin, Kafka } from 'kafkajs';
import type { HostProcess } from './host-process.js';
import type { Settings, StoreKind } from './settings.js';

export interface RunningSystem {
  url: string;
  topic: string;
  groupId: string;
}

/** One system per store, each in a server process of its own. */
export interface StoreSystem {
  store: StoreKind;
  host: HostProcess;
  system: RunningSystem;
}

export interface BenchContext {
  settings: Settings;
  brokers: string[];
  /** A plain kafkajs client and a connected admin, for baselines and for watching consumer lag. */
  kafka: Kafka;
  admin: Admin;
  /** The first store's server process and system: the figures that need one system run on it. */
  host: HostProcess;
  system: RunningSystem;
  /** Every store's system, the first store's first; the figures that compare stores use them all. */
  systems: StoreSystem[];
  /** The local broker's java process (undefined with KAFKA_BROKERS), for CPU figures. */
  brokerPid: number | undefined;
  /** Seeded in every system: the users each figure sends to. */
  users: BenchUsers;
  /** Starts a system in `host` on `topic` with a fresh group and a fresh store; stopped by the bench's cleanup too. */
  startSystem(
    host: HostProcess,
    topic: string,
    options: { store: StoreKind; waitUntilReady?: boolean },
  ): Promise<RunningSystem & { startCalledAt: number; startReturnedAt: number }>;
  /** A PostgreSQL schema of its own for a baseline, dropped by the bench's cleanup. */
  pgSchema(): string;
  /** A temp folder, removed by the bench's cleanup. */
  tempDir(purpose: string): Promise<string>;
  /** A topic or group name unique to this run and purpose (`bench-<run>-<purpose>-<n>`). */
  name(purpose: string): string;
  /** Another server process, ended by the bench's cleanup if the figure does not end it. */
  spawnHost(): Promise<HostProcess>;
  log(line: string): void;
}

export interface BenchUsers {
  /** Two per partition, so that produced load spreads over every partition. */
  produce: string[];
  /** Two per partition: the open-loop figure's recipients. */
  steady: string[];
  latency: string;
  fanout: string;
  fanoutSingle: string;
  fanoutChanges: string;
  fanoutChangesHeavy: string;
  query: string;
  queryHeavy: string;
}

export function benchUsers(produce: string[], steady: string[]): BenchUsers {
  return {
    produce,
    steady,
    latency: 'bench-latency',
    fanout: 'bench-fanout',
    fanoutSingle: 'bench-fanout-single',
    fanoutChanges: 'bench-fanout-changes',
    fanoutChangesHeavy: 'bench-fanout-changes-heavy',
    query: 'bench-query',
    queryHeavy: 'bench-query-heavy',
  };
}

export function seededUsers(users: BenchUsers): string[] {
  const { produce, steady, ...single } = users;
  return [...produce, ...steady, ...Object.values(single)];
}
