// Looking at another process by pid (is it alive, who is its parent, what command it runs), so a
// broker left behind by an earlier run is recognised before it is stopped, and nothing else is.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export interface ProcessInfo {
  ppid: number;
  command: string;
  zombie: boolean;
}

const GONE_POLL_MS = 100;

const run = promisify(execFile);

/** Undefined when no such process exists (or it cannot be read). */
export async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  if (process.platform === 'linux') {
    try {
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
      ]);
      // The command name in parentheses may itself hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(ppid), command: cmdline.replaceAll('\0', ' '), zombie: state === 'Z' };
    } catch {
      return undefined;
    }
  }
  try {
    const { stdout } = await run('ps', ['-o', 'ppid=', '-o', 'stat=', '-o', 'args=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/s.exec(stdout.trim());
    if (!match) return undefined;
    return { ppid: Number(match[1]), command: match[3] ?? '', zombie: (match[2] ?? '').startsWith('Z') };
  } catch {
    return undefined;
  }
}

/**
 * Polls, because the process is not our child: no exit event reaches us. A zombie counts as gone,
 * since only its parent can reap it.
 */
export async function processGoneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await processInfo(pid);
    if (info === undefined || info.zombie) return true;
    if (Date.now() >= deadline) return false;
    await sleep(GONE_POLL_MS);
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
