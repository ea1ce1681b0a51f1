/**
 * Real Kafka (KRaft) brokers for the fault suite, run from the jars `src/dev/local-broker/jars.ts`
 * fetches into .cache: one node, or a three-node cluster whose nodes are each broker and
 * controller. Each node can be killed (any signal) and started again on the same ports and data.
 * `startLocalBroker` is not used because it picks a new controller port on each start and has no
 * notion of several nodes; the jars, the JVM flags and the readiness check are the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars } from '../../../src/dev/local-broker/index.js';
import { projectPaths } from '../../../src/dev/paths.js';
import { freePorts, runCommand, spawnManaged, type ManagedProcess } from './processes.js';

const JVM_LOGGING = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
];

export interface KafkaNode {
  id: number;
  port: number;
  address: string;
  process(): ManagedProcess | undefined;
  /** Sends `signal` (SIGKILL by default) and waits for the JVM to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on the same ports and data; resolves once it answers metadata requests. */
  restart(timeoutMs?: number): Promise<void>;
}

export interface KafkaCluster {
  brokers: string[];
  nodes: KafkaNode[];
  kafka: Kafka;
  /** Resolves once `count` brokers are registered and answering. */
  waitForBrokers(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function startKafkaCluster({ size, dir, log = () => {} }: { size: number; dir: string; log?: (line: string) => void }): Promise<KafkaCluster> {
  const libDir = await ensureKafkaJars({ cacheDir: projectPaths().cacheDir, log });
  const classpath = path.join(libDir, '*');
  const ports = await freePorts(size * 2);
  const nodesConf = Array.from({ length: size }, (_, index) => ({
    id: index + 1,
    port: ports[index * 2] as number,
    controllerPort: ports[index * 2 + 1] as number,
    dir: path.join(dir, `node-${index + 1}`),
  }));
  const voters = nodesConf.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const clusterId = newClusterId();
  const minIsr = Math.min(2, size);
  for (const node of nodesConf) {
    await mkdir(node.dir, { recursive: true });
    await writeFile(
      path.join(node.dir, 'server.properties'),
      [
        'process.roles=broker,controller',
        `node.id=${node.id}`,
        `controller.quorum.voters=${voters}`,
        `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${path.join(node.dir, 'kraft')}`,
        'num.partitions=3',
        `offsets.topic.replication.factor=${size}`,
        'offsets.topic.num.partitions=1',
        `transaction.state.log.replication.factor=${size}`,
        `transaction.state.log.min.isr=${minIsr}`,
        `share.coordinator.state.topic.replication.factor=${size}`,
        `share.coordinator.state.topic.min.isr=${minIsr}`,
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    await runCommand('java', [...JVM_LOGGING, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', path.join(node.dir, 'server.properties')]);
  }

  const brokers = nodesConf.map((n) => `127.0.0.1:${n.port}`);
  const kafka = new Kafka({ clientId: 'faults-cluster', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });

  const launch = (node: (typeof nodesConf)[number]) =>
    spawnManaged({
      name: `kafka-${node.id}`,
      command: 'java',
      args: ['-Xms128m', '-Xmx512m', '-XX:+ExitOnOutOfMemoryError', ...JVM_LOGGING, '-cp', classpath, 'kafka.Kafka', path.join(node.dir, 'server.properties')],
      cwd: node.dir,
      env: process.env,
      logFile: path.join(node.dir, 'broker.log'),
    });

  async function answering(address: string, expectBrokers: number): Promise<boolean> {
    const admin = new Kafka({ clientId: 'faults-readiness', brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length >= expectBrokers && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  const processes = new Map<number, ManagedProcess>();
  const nodes: KafkaNode[] = nodesConf.map((conf) => {
    const node: KafkaNode = {
      id: conf.id,
      port: conf.port,
      address: `127.0.0.1:${conf.port}`,
      process: () => processes.get(conf.id),
      async kill(signal = 'SIGKILL') {
        const child = processes.get(conf.id);
        if (!child) return;
        child.signal(signal);
        await child.exited;
        processes.delete(conf.id);
      },
      async restart(timeoutMs = 90_000) {
        const child = launch(conf);
        processes.set(conf.id, child);
        await waitUntil(() => answering(node.address, 1), child, timeoutMs, `kafka node ${conf.id}`);
      },
    };
    return node;
  });

  async function waitUntil(check: () => Promise<boolean>, child: ManagedProcess | undefined, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      const exit = child?.exitInfo();
      if (exit) throw new Error(`${what} exited (${exit.signal ?? exit.code}); see ${child?.logFile}`);
      if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
      // Polling interval of a readiness probe: the broker offers no event to wait on.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const cluster: KafkaCluster = {
    brokers,
    nodes,
    kafka,
    async waitForBrokers(count, timeoutMs) {
      await waitUntil(
        async () => {
          for (const node of nodes) if (processes.has(node.id) && (await answering(node.address, count))) return true;
          return false;
        },
        undefined,
        timeoutMs,
        `a ${count}-broker cluster`,
      );
    },
    async stop() {
      await Promise.all(
        [...processes.values()].map(async (child) => {
          child.signal('SIGCONT');
          await child.stop(15_000);
        }),
      );
      processes.clear();
    },
  };
  try {
    for (const conf of nodesConf) processes.set(conf.id, launch(conf));
    await cluster.waitForBrokers(size, 120_000);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
