/** The bench's handle on a server process (bench/host.ts): start it, send it commands, end it. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { User } from '../src/notifications/notification.js';
import type { HostCommand, HostReply, HostResult, HostStarted } from './host-protocol.js';
import { hostEntry } from './host-bundle.js';
import { within } from './stats.js';

/** As the Dockerfile runs the service (graphql-js, for one, skips its development checks); an explicit NODE_ENV wins. */
export const SERVER_NODE_ENV = process.env.NODE_ENV || 'production';
const COMMAND_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 45_000;
const EXIT_TIMEOUT_MS = 10_000;

export interface HostProcess {
  pid: number;
  startSystem(command: Omit<Extract<HostCommand, { op: 'start-system' }>, 'op'>): Promise<HostStarted>;
  startBareYoga(): Promise<HostStarted>;
  startBareHttp(): Promise<HostStarted>;
  seedUsers(users: User[]): Promise<void>;
  /** Collects garbage in the process, so that an RSS reading right after holds no dead objects. */
  collectGarbage(): Promise<void>;
  /** Stops what it runs; the process stays for the next start. */
  stop(): Promise<void>;
  /** Stops what it runs and ends the process (SIGKILL if it does not end in time); idempotent. */
  close(): Promise<void>;
}

/** BENCH_PROFILE_DIR=dir writes each server process's CPU and heap profiles there (open them in Chrome's DevTools). */
function profileArgs(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--heap-prof', `--heap-prof-dir=${dir}`] : [];
}

export async function spawnHost(root: string): Promise<HostProcess> {
  const entry = await hostEntry(path.join(root, '.cache'));
  const child: ChildProcess = fork(entry.file, [], {
    cwd: root,
    // --expose-gc only lets the bench ask for a collection before a memory reading; V8 collects as usual otherwise.
    execArgv: [...entry.execArgv, '--expose-gc', ...profileArgs(process.env.BENCH_PROFILE_DIR)],
    env: { ...process.env, NODE_ENV: SERVER_NODE_ENV },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the server process');

  let nextId = 0;
  const pending = new Map<number, { resolve(result: HostResult): void; reject(error: Error): void }>();
  let exitDescription: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      for (const { reject } of pending.values()) reject(new Error(`the server process ${exitDescription}`));
      pending.clear();
      resolve();
    });
  });
  child.on('message', (message: HostReply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`server process: ${message.error}`));
  });

  function request(command: HostCommand): Promise<HostResult> {
    if (exitDescription !== undefined) return Promise.reject(new Error(`the server process ${exitDescription}`));
    const id = nextId++;
    const answer = new Promise<HostResult>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, ...command });
    });
    return within(answer, COMMAND_TIMEOUT_MS, `the server process to ${command.op}`);
  }

  const started = (result: HostResult): HostStarted => {
    if (!('url' in result)) throw new Error('the server process answered a start without a url');
    return result;
  };

  let closing: Promise<void> | undefined;
  return {
    pid,
    startSystem: async (command) => started(await request({ op: 'start-system', ...command })),
    startBareYoga: async () => started(await request({ op: 'start-bare-yoga' })),
    startBareHttp: async () => started(await request({ op: 'start-bare-http' })),
    async seedUsers(users) {
      await request({ op: 'seed-users', users });
    },
    async collectGarbage() {
      await request({ op: 'gc' });
    },
    async stop() {
      await request({ op: 'stop' });
    },
    close: () =>
      (closing ??= (async () => {
        if (exitDescription !== undefined) return;
        await within(request({ op: 'stop' }), STOP_TIMEOUT_MS, 'the server process to stop').catch(() => undefined);
        // Disconnecting is the host's signal to end.
        if (child.connected) child.disconnect();
        await within(exited, EXIT_TIMEOUT_MS, 'the server process to exit').catch(async () => {
          child.kill('SIGKILL');
          await exited;
        });
      })()),
  };
}
