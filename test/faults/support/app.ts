/**
 * The real service as a child process, `node --import tsx src/main.ts`, configured only through
 * its environment, on a fixed port that survives restarts (so clients reconnect to the same URL).
 */
import path from 'node:path';
import { projectPaths } from '../../../src/dev/paths.js';
import { TEST_JWT_SECRET } from '../../support/auth.js';
import { freePorts, spawnManaged, type ManagedProcess } from './processes.js';

export interface AppOptions {
  name: string;
  brokers: string[];
  databaseUrl: string;
  topic: string;
  groupId: string;
  dataDir: string;
  env?: Record<string, string>;
}

export interface LogSummaryEntry {
  level: string;
  msg: string;
  count: number;
  first: string;
}

export interface AppHandle {
  url: string;
  wsUrl: string;
  port: number;
  /** The running (or last) process. */
  current(): ManagedProcess;
  /** How many processes have been started. */
  starts(): number;
  start(): ManagedProcess;
  /** Polls /ready (a readiness probe) until 200; rejects if the process exits or the time runs out. */
  waitReady(timeoutMs: number): Promise<void>;
  /** Warn/error/fatal lines of every process so far, grouped by message. */
  logSummary(): LogSummaryEntry[];
  /** The first log line, across every process so far, that matches. */
  findLine(match: (line: string) => boolean): string | undefined;
  logFiles(): string[];
  /** Marks the running process's coming exit as the scenario's doing (a kill, a SIGTERM). */
  expectExit(): void;
  /** Teardown: stops the running process, if one runs, as the scenario's doing (no process started, or one already gone, is fine). */
  stopIfRunning(timeoutMs: number): Promise<void>;
  /** Processes that exited without the scenario asking for it, with their last lines. */
  unexpectedExits(): { name: string; exit: string; lastLines: string[] }[];
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

export async function createApp(options: AppOptions): Promise<AppHandle> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const url = `http://127.0.0.1:${port}/graphql`;
  const processes: ManagedProcess[] = [];
  const expected = new Set<ManagedProcess>();
  const crashes: { name: string; exit: string; lastLines: string[] }[] = [];
  const summary = new Map<string, LogSummaryEntry>();
  const own = new Set(['KAFKA_BROKERS', 'DATABASE_URL', 'PORT', 'HOST', 'REDIS_URL', 'NODE_ENV', 'AUTH_JWKS_URL']);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !own.has(key) && !key.startsWith('KAFKA_') && !key.startsWith('AUTH_')));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HOST: '127.0.0.1',
    PORT: String(port),
    KAFKA_BROKERS: options.brokers.join(','),
    DATABASE_URL: options.databaseUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    KAFKA_TOPIC: options.topic,
    KAFKA_DLQ_TOPIC: `${options.topic}.dlq`,
    KAFKA_GROUP_ID: options.groupId,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    SEND_RATE_SERVICE: '0',
    DATA_DIR: options.dataDir,
    ...options.env,
  };

  const onLine = (line: string) => {
    if (!line.startsWith('{')) {
      if (line.trim() === '') return;
      const key = `stderr ${line.slice(0, 120)}`;
      const entry = summary.get(key) ?? { level: 'stderr', msg: line.slice(0, 200), count: 0, first: line.slice(0, 1000) };
      entry.count += 1;
      summary.set(key, entry);
      return;
    }
    try {
      const parsed = JSON.parse(line) as { level?: number; msg?: string };
      const level = LEVELS[parsed.level ?? 0];
      if (!level) return;
      const msg = parsed.msg ?? '';
      const key = `${level} ${msg}`;
      const entry = summary.get(key) ?? { level, msg, count: 0, first: line.slice(0, 1500) };
      entry.count += 1;
      summary.set(key, entry);
    } catch {
      // Not one of pino's lines.
    }
  };

  const app: AppHandle = {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    current() {
      const last = processes.at(-1);
      if (!last) throw new Error('the app was never started');
      return last;
    },
    starts: () => processes.length,
    start() {
      const previous = processes.at(-1);
      if (previous && !previous.exitInfo()) throw new Error('the app is still running');
      const child = spawnManaged({
        name: `${options.name}#${processes.length + 1}`,
        command: process.execPath,
        args: ['--import', 'tsx', 'src/main.ts'],
        // FAULTS_APP_ROOT: run another checkout of the app (a commit under investigation) with this suite.
        cwd: process.env.FAULTS_APP_ROOT ?? projectPaths().root,
        env,
        logFile: path.join(options.dataDir, `app-${processes.length + 1}.log`),
        onLine,
      });
      processes.push(child);
      void child.exited.then((exit) => {
        if (expected.has(child)) return;
        crashes.push({ name: child.name, exit: exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`, lastLines: child.lines.slice(-15) });
      });
      return child;
    },
    async waitReady(timeoutMs) {
      const child = app.current();
      const deadline = Date.now() + timeoutMs;
      let last: string;
      for (;;) {
        const exit = child.exitInfo();
        if (exit) throw new Error(`the app exited (${exit.signal ?? `code ${exit.code}`}) before it was ready; see ${child.logFile}`);
        try {
          const response = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(2000) });
          if (response.ok) return;
          last = `${response.status} ${await response.text()}`;
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() > deadline) throw new Error(`the app was not ready within ${timeoutMs} ms: ${last}; see ${child.logFile}`);
        // A readiness probe's interval: /ready is the event, polled as a load balancer would.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    logSummary: () => [...summary.values()].sort((a, b) => b.count - a.count),
    findLine(match) {
      for (const child of processes) {
        const line = child.lines.find(match);
        if (line !== undefined) return line;
      }
      return undefined;
    },
    logFiles: () => processes.map((child) => child.logFile),
    expectExit() {
      expected.add(app.current());
    },
    async stopIfRunning(timeoutMs) {
      if (processes.length === 0 || app.current().exitInfo()) return;
      app.expectExit();
      await app.current().stop(timeoutMs);
    },
    unexpectedExits: () => crashes,
  };
  return app;
}
