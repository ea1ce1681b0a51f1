/** The kafkajs client, with its logs routed into ours. */
import net from 'node:net';
import tls from 'node:tls';
import { Kafka, logLevel, type ISocketFactoryArgs, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../logger.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  log: Logger;
}

/**
 * kafkajs's own socket factory, except that unref() on a destroyed socket does nothing. Each time
 * reconnecting to a broker fails, kafkajs disconnects every connection of that broker, and
 * disconnecting calls unref(); Node's unref() on a socket without a handle (the fetch connection
 * that died with the broker) waits for a 'connect' that never comes, by adding a listener. While
 * a broker was away the consumer's reconnects (commits, heartbeats) stacked one per attempt:
 * issue 15's MaxListenersExceededWarning. A destroyed socket holds nothing to unref.
 */
export const socketFactory = ({ host, port, ssl, onConnect }: Omit<ISocketFactoryArgs, 'ssl'> & { ssl?: ISocketFactoryArgs['ssl'] | boolean }) => {
  // kafkajs hands over its `ssl` setting as given: false, true or TLS options (its types say options only).
  const socket = ssl
    ? tls.connect({ host, port, ...(!net.isIP(host) && { servername: host }), ...(typeof ssl === 'object' && ssl) }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  const unref = socket.unref.bind(socket);
  socket.unref = () => (socket.destroyed ? socket : unref());
  return socket;
};

export function createKafkaClient({ brokers, clientId, ssl = false, sasl, log }: KafkaClientOptions): Kafka {
  const kafkaLog = log.child({ lib: 'kafkajs' });
  return new Kafka({
    brokers,
    clientId,
    ssl,
    ...(sasl && { sasl: sasl as SASLOptions }),
    connectionTimeout: 3000,
    socketFactory,
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
