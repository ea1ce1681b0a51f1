/**
 * Child processes for the fault suite: spawned with their output in a log file and in memory,
 * signalled by pid (SIGKILL, SIGSTOP, SIGCONT, SIGTERM), and all killed in teardown, so a failed
 * scenario never leaves an app, a broker or a paused process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
export { freePorts } from '../../../src/dev/local-broker/index.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Every line the process wrote (stdout and stderr), in order. */
  readonly lines: string[];
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  exitInfo(): ExitInfo | undefined;
  signal(name: NodeJS.Signals): void;
  /** Resolves with the first line (already written or still to come) that matches; rejects on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

const live = new Set<ManagedProcess>();

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Called with each line as it arrives. */
  onLine?: (line: string) => void;
}

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  // Its own process group: a Ctrl-C in the terminal reaches the test runner, which stops it in order.
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name} could not be started (${options.command})`);
  const pid = child.pid;
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let info: ExitInfo | undefined;

  const onChunk = (() => {
    const partial: Record<'out' | 'err', string> = { out: '', err: '' };
    return (stream: 'out' | 'err', chunk: Buffer) => {
      log.write(chunk);
      const text = partial[stream] + chunk.toString('utf8');
      const parts = text.split('\n');
      partial[stream] = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        options.onLine?.(line);
        for (let i = waiters.length - 1; i >= 0; i -= 1) {
          const waiter = waiters[i];
          if (waiter && waiter.match(line)) {
            waiters.splice(i, 1);
            waiter.resolve(line);
          }
        }
      }
    };
  })();
  child.stdout?.on('data', (chunk: Buffer) => onChunk('out', chunk));
  child.stderr?.on('data', (chunk: Buffer) => onChunk('err', chunk));

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal, at: Date.now() };
      live.delete(managed);
      resolve(info);
    });
    child.once('error', () => {
      info ??= { code: null, signal: null, at: Date.now() };
      live.delete(managed);
      resolve(info);
    });
  });
  void exited.then(() => log.end());

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    logFile: options.logFile,
    lines,
    exited,
    exitInfo: () => info,
    signal(name) {
      if (info) return;
      try {
        process.kill(pid, name);
      } catch {
        // Already gone.
      }
    },
    waitForLine(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${options.name}: no matching log line within ${timeoutMs} ms (see ${options.logFile})`));
        }, timeoutMs);
        waiters.push(waiter);
        void exited.then((exit) => {
          if (!waiters.includes(waiter)) return;
          waiters.splice(waiters.indexOf(waiter), 1);
          clearTimeout(timer);
          reject(new Error(`${options.name} exited (${describeExit(exit)}) before the awaited log line (see ${options.logFile})`));
        });
      });
    },
    async stop(graceMs = 30_000) {
      if (info) return info;
      // A paused process must be able to run its SIGTERM handler.
      managed.signal('SIGCONT');
      managed.signal('SIGTERM');
      const timer = setTimeout(() => managed.signal('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
  live.add(managed);
  return managed;
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** SIGKILLs every process this module started that is still running, and waits for each to exit. */
export async function killAllManaged(): Promise<void> {
  const running = [...live];
  for (const child of running) {
    child.signal('SIGCONT');
    child.signal('SIGKILL');
  }
  await Promise.all(running.map((child) => child.exited));
}

// A worker that ends without teardown still takes its children down.
process.once('exit', () => {
  for (const child of live) child.signal('SIGKILL');
});

/** Runs a command to completion; rejects with its output when it fails. */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n${output.trim().split('\n').slice(-30).join('\n')}`));
    });
  });
}
