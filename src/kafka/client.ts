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
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    brokers,
    clientId,
    ssl,
    ...(sasl && { sasl: sasl as SASLOptions }),
    connectionTimeout: 3000,
    logLevel: logLevel.WARN,
    // kafkajs reports every retriable broker answer (a coordinator still loading) as ERROR and
    // then retries it; our own code reports what finally failed, so these are warnings.
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...extra } = entry;
        const fields = { namespace, ...extra, timestamp: undefined, logger: undefined };
        if (level === logLevel.ERROR || level === logLevel.WARN) kafkaLog.warn(fields, message);
        else kafkaLog.debug(fields, message);
      },
  });
}
