/**
 * A Redis server of the test's own (`redis-server` from the machine, on a free port, keeping
 * nothing on disk), so a test can kill it with SIGKILL and start it again on the same port
 * without touching the Redis other tests share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { freePorts } from '../../src/dev/local-broker/index.js';

export interface TestRedis {
  url: string;
  /** `kill -9`: the server is gone when this resolves. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', ''], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Redis says so itself when it takes connections: that line is the event waited on.
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    lines.on('line', (line) => {
      if (!line.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (is it installed?): ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited before it was ready (${signal ?? code})`));
    });
  });
  await ready;
  // Keep reading so a full pipe never blocks the server.
  lines.on('line', () => {});
  return child;
}

async function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export async function startTestRedis(): Promise<TestRedis> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port for redis-server');
  let child = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => killed(child, 'SIGKILL'),
    async restart() {
      await killed(child, 'SIGKILL');
      child = await launch(port);
    },
    stop: () => killed(child, 'SIGTERM'),
  };
}
