// How main.ts asks, once, what development adds to a start: the local Kafka broker when
// KAFKA_BROKERS is unset, a development secret with ready-made tokens, the demo users, the inbox
// demo and GraphiQL's tabs. They live in src/dev/, which the production build leaves out; there
// nothing is added, and a start that would need an aid says which setting to give instead.
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { SystemExtensions } from './system.js';

export interface DevelopmentOptions {
  /** The validated config, its dataDir resolved. */
  config: Config;
  log: Logger;
}

/** What development adds; the production build's is the config as it was, and nothing else. */
export interface Development {
  /** The config to start with (development fills in its secret). */
  config: Config;
  /** KAFKA_BROKERS, or the local broker's. */
  brokers: string[];
  /** For startSystem: the store's seed, Yoga plugins, GraphiQL's opening tabs. */
  extensions: SystemExtensions;
  /** Its lines for the log once the server listens at `url` (the tokens, the demo's address). */
  announce(url: string): void;
  /** Stops what it started (the local broker), after the system. */
  stop(): Promise<void>;
  /** SIGKILL at once, for a process that is exiting and cannot wait for stop(). */
  kill(): void;
}

/** What src/dev/index.ts exports; it holds itself to this type. */
export interface DevelopmentAids {
  startDevelopment(options: DevelopmentOptions): Promise<Development>;
}

// Held in a variable so that tsc does not follow it: a literal would pull src/dev back into the
// production build, which excludes it.
const AIDS: string = './dev/index.js';

/** The development aids, or null in a build without them. */
export async function loadDevelopmentAids(): Promise<DevelopmentAids | null> {
  try {
    return (await import(AIDS)) as DevelopmentAids;
  } catch (error) {
    // Only the entry itself missing means "a build without them"; anything it fails to load is a fault.
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (missing && (error as Error).message.includes(fileURLToPath(new URL(AIDS, import.meta.url)))) return null;
    throw error;
  }
}

export async function startDevelopment(options: DevelopmentOptions): Promise<Development> {
  const aids = await loadDevelopmentAids();
  if (aids) return aids.startDevelopment(options);
  const { config } = options;
  if (!config.kafka.brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set, and this build has no local Kafka broker (a development aid, found only in a source checkout ' +
        'with its dev dependencies): set KAFKA_BROKERS=host:port[,host:port…].',
    );
  }
  if (config.auth.devSecret) {
    throw new Error('neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set, and this build makes no development secret: set one of them.');
  }
  return { config, brokers: config.kafka.brokers, extensions: {}, announce: () => {}, stop: async () => {}, kill: () => {} };
}
