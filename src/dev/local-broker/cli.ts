// `tsx src/dev/local-broker/cli.ts fetch`: download Kafka's jars into .cache/ (npm run kafka:jars, CI).
// `tsx src/dev/local-broker/cli.ts start`: run a broker on .data/kafka-cli until Ctrl-C.
import path from 'node:path';
import { projectPaths } from '../paths.js';
import { ensureKafkaJars, startLocalBroker } from './index.js';

const USAGE = 'usage: tsx src/dev/local-broker/cli.ts fetch|start';

async function main(command: string | undefined): Promise<void> {
  const { cacheDir, dataDir } = projectPaths();
  const log = (line: string): void => console.log(line);
  switch (command) {
    case 'fetch': {
      const libDir = await ensureKafkaJars({ cacheDir, log });
      console.log(`Kafka jars in ${libDir}`);
      return;
    }
    case 'start': {
      const broker = await startLocalBroker({ dataDir: path.join(dataDir, 'kafka-cli'), cacheDir, log });
      console.log(`KAFKA_BROKERS=${broker.brokers.join(',')}`);
      console.log(`broker log: ${broker.logFile}; Ctrl-C stops it`);
      const shutdown = (): void => {
        broker.stop().then(
          () => console.log('Kafka broker stopped'),
          (error: unknown) => {
            console.error(error);
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      process.once('exit', () => broker.kill());
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
