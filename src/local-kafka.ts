// How main.ts reaches the local Kafka broker launcher, a development aid the production build leaves
// out (src/dev/): it is loaded only when KAFKA_BROKERS is unset, and its absence is a clear error.

/** What main.ts needs of a local broker. */
export interface LocalKafka {
  brokers: string[];
  stop(): Promise<void>;
  /** SIGKILL at once, for a process that is exiting and cannot wait for stop(). */
  kill(): void;
}

/** What main.ts needs of the launcher; test/local-broker.test.ts holds src/dev/local-broker to it. */
export interface LocalKafkaLauncher {
  startLocalBroker(options: { dataDir: string; log: (line: string) => void }): Promise<LocalKafka>;
}

// Held in a variable so that tsc does not follow it: a literal would pull the launcher back into
// the production build, which excludes src/dev.
const LAUNCHER: string = './dev/local-broker/index.js';

export async function loadLocalKafkaLauncher(): Promise<LocalKafkaLauncher> {
  try {
    return (await import(LAUNCHER)) as LocalKafkaLauncher;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'KAFKA_BROKERS is not set, and this build has no local Kafka broker (a development aid, ' +
        `found only in a source checkout with its dev dependencies): set KAFKA_BROKERS=host:port[,host:port…]. ` +
        `(${(error as Error).message})`,
      { cause: error },
    );
  }
}
