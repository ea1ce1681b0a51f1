// One real Kafka cluster for the whole test run, chosen in this order: KAFKA_BROKERS if set; else a
// Testcontainers broker when a Docker engine answers; else a broker run from Kafka's jars.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalBroker } from '../../src/dev/local-broker/index.js';
import { projectPaths } from '../../src/dev/paths.js';

// Confluent Platform 8.1 ships Apache Kafka 4.1, the version the jar broker runs.
const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0';
const KAFKA_CONTAINER_PORT = 9093;
const DOCKER_PROBE_TIMEOUT_MS = 5_000;

interface TestKafka {
  /** Said in the run's one line about Kafka; undefined for a cluster the tests did not start. */
  source: string | undefined;
  brokers: string[];
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const kafka = await provideKafka();
  project.provide('kafkaBrokers', kafka.brokers.join(','));
  const where = kafka.brokers.join(',');
  const readyMs = Math.round(performance.now() - started);
  console.log(
    kafka.source === undefined
      ? `[kafka] using KAFKA_BROKERS=${where}`
      : `[kafka] ${kafka.source} at ${where}, ready in ${readyMs} ms`,
  );
  return kafka.stop;
}

async function provideKafka(): Promise<TestKafka> {
  const fromEnv = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (fromEnv.length > 0) return { source: undefined, brokers: fromEnv, stop: async () => {} };
  if (await dockerAnswers()) return startContainer();
  return startJarBroker();
}

async function dockerAnswers(): Promise<boolean> {
  // Without an engine this fails in milliseconds and prints nothing; the timeout only guards a
  // DOCKER_HOST that points at a machine that never answers.
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer')), DOCKER_PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([getContainerRuntimeClient(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return true;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<TestKafka> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
  return {
    source: `Testcontainers (${KAFKA_IMAGE})`,
    brokers: [`${container.getHost()}:${container.getMappedPort(KAFKA_CONTAINER_PORT)}`],
    stop: async () => {
      await container.stop();
    },
  };
}

async function startJarBroker(): Promise<TestKafka> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kafka-notify-test-'));
  const log = (line: string): void => console.log(`[kafka] ${line}`);
  try {
    const broker = await startLocalBroker({ dataDir, cacheDir: projectPaths().cacheDir, log });
    return {
      source: 'local broker from jars',
      brokers: broker.brokers,
      stop: async () => {
        await broker.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
