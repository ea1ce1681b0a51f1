/** What every figure gets from bench/run.ts: the settings, the running parts and a few helpers. */
import type { Admin, Kafka } from 'kafkajs';
import type { HostProcess } from './host-process.js';
import type { Settings } from './settings.js';

export interface RunningSystem {
  url: string;
  topic: string;
  groupId: string;
}

export interface BenchContext {
  settings: Settings;
  brokers: string[];
  /** A plain kafkajs client and a connected admin, for baselines and for watching consumer lag. */
  kafka: Kafka;
  admin: Admin;
  /** The server process running system A (figures 1–4); figure 5 starts system B in it. */
  host: HostProcess;
  /** The local broker's java process (undefined with KAFKA_BROKERS), for CPU figures. */
  brokerPid: number | undefined;
  system: RunningSystem;
  /** Seeded in the system: the users each figure sends to. */
  users: BenchUsers;
  /** Starts a system in `host` on `topic` with a fresh group and a fresh store; stopped by the bench's cleanup too. */
  startSystem(
    host: HostProcess,
    topic: string,
    options?: { waitUntilReady?: boolean },
  ): Promise<RunningSystem & { startCalledAt: number; startReturnedAt: number }>;
  /** A topic or group name unique to this run and purpose (`bench-<run>-<purpose>-<n>`). */
  name(purpose: string): string;
  /** Another server process, ended by the bench's cleanup if the figure does not end it. */
  spawnHost(): Promise<HostProcess>;
  log(line: string): void;
}

export interface BenchUsers {
  /** Two per partition, so that produced load spreads over every partition. */
  produce: string[];
  latency: string;
  fanout: string;
  fanoutSingle: string;
  fanoutChanges: string;
  fanoutChangesHeavy: string;
  query: string;
  queryHeavy: string;
}

export function benchUsers(produce: string[]): BenchUsers {
  return {
    produce,
    latency: 'bench-latency',
    fanout: 'bench-fanout',
    fanoutSingle: 'bench-fanout-single',
    fanoutChanges: 'bench-fanout-changes',
    fanoutChangesHeavy: 'bench-fanout-changes-heavy',
    query: 'bench-query',
    queryHeavy: 'bench-query-heavy',
  };
}
