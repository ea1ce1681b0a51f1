/**
 * Figures read from Kafka when scraped rather than counted as they happen: the group's lag per
 * partition, and the consumer's restarts (the consumer keeps that count itself).
 */
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';

export interface KafkaSources {
  topic: string;
  lag(): Promise<readonly { partition: number; lag: number }[]>;
  restarts(): number;
}

export function registerKafkaGauges({ registry }: Metrics, sources: KafkaSources) {
  new Gauge({
    name: 'notify_kafka_consumer_lag',
    help: "Messages on the topic not yet committed by the consumer group, per partition (every instance reports the group's figure: aggregate with max, not sum)",
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { partition, lag } of await sources.lag()) this.set({ topic: sources.topic, partition: String(partition) }, lag);
    },
  });
  let reported = 0;
  new Counter({
    name: 'notify_kafka_consumer_restarts_total',
    help: 'Restarts of the Kafka consumer after crashes kafkajs would not restart by itself',
    registers: [registry],
    collect() {
      const restarts = sources.restarts();
      if (restarts > reported) this.inc(restarts - reported);
      reported = restarts;
    },
  });
}
