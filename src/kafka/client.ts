/** The kafkajs client, with its logs routed into ours. */
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../logger.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  log: Logger;
}

export function createKafkaClient({ brokers, clientId, ssl = false, sasl, log }: KafkaClientOptions): Kafka {
  const kafkaLog = log.child({ lib: 'kafkajs' });
  return new Kafka({
    brokers,
    clientId,
    ssl,
    ...(sasl && { sasl: sasl as SASLOptions }),
    connectionTimeout: 3000,
    // kafkajs's default lets one call retry for half a minute; our loops retry on their own, and
    // a stop or a readiness answer should not wait behind a long backoff.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.WARN,
    // kafkajs reports every retriable broker answer (a coordinator still loading) as ERROR and
    // then retries it; our own code logs what finally failed, so kafkajs's own lines are detail.
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
        kafkaLog.debug({ namespace, kafkaLevel: logLevel[level], ...extra }, message);
      },
  });
}
