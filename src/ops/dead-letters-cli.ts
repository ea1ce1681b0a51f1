/**
 * `npm run dlq -- list` and `npm run dlq -- replay --all | --id N [--id M …]`: the dead-letter
 * topic, from the same settings as the service (KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_DLQ_TOPIC).
 * Without KAFKA_BROKERS it uses the local broker `npm start` runs, found in DATA_DIR.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.js';
import { createKafkaClient } from '../kafka/client.js';
import { createLogger } from '../logger.js';
import { listDeadLetters, replayDeadLetters } from './dead-letters.js';

const USAGE = 'usage: npm run dlq -- list | replay --all | replay --id <id> [--id <id> …]';

async function localBroker(dataDir: string): Promise<string[]> {
  const properties = await readFile(path.join(dataDir, 'kafka', 'server.properties'), 'utf8').catch(() => '');
  const match = /^advertised\.listeners=PLAINTEXT:\/\/(\S+)$/m.exec(properties);
  if (!match) throw new Error('KAFKA_BROKERS is not set and no local broker was found in DATA_DIR: set KAFKA_BROKERS, or run `npm start` first');
  return [match[1]!];
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: 'boolean' }, id: { type: 'string', multiple: true } } });
  const [command] = positionals;
  const config = parseConfig(process.env);
  const brokers = config.kafka.brokers ?? (await localBroker(path.resolve(config.dataDir)));
  const kafka = createKafkaClient({ ...config.kafka, brokers, log: createLogger({ level: 'warn', format: 'json' }) });
  const { topic, dlqTopic } = config.kafka;

  if (command === 'list') {
    const entries = await listDeadLetters(kafka, dlqTopic);
    for (const entry of entries) {
      console.log(`#${entry.id}  ${entry.failedAt}  from ${entry.origin}\n  error: ${entry.error}\n  value: ${entry.preview}`);
    }
    console.log(`${entries.length} dead letter(s) in ${dlqTopic}`);
    return 0;
  }
  if (command === 'replay' && (values.all || values.id?.length)) {
    const report = await replayDeadLetters(kafka, { topic, dlqTopic, ids: values.all ? 'all' : (values.id ?? []) });
    for (const { id, notificationId } of report.replayed) console.log(`replayed #${id} as notification ${notificationId}`);
    for (const { id, error } of report.failed) console.log(`failed   #${id}: ${error}`);
    console.log(`${report.replayed.length} replayed onto ${topic}, ${report.failed.length} failed again`);
    return report.failed.length === 0 ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`dlq: ${error instanceof ConfigError ? error.problems.join('; ') : error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
