/**
 * A process's resident memory, read from outside it (/proc/PID/status VmRSS, as `ps` and the
 * kernel's OOM accounting see it), and a wait for it to settle: right after start-up, or after a
 * load, RSS keeps moving for a few seconds while the heap grows and V8 collects.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

const SAMPLE_MS = 250;

/** VmRSS of `pid` in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export interface SettledRss {
  bytes: number;
  /** How long it took to settle (or `maxWaitMs` when it never did). */
  waitedMs: number;
  settled: boolean;
}

/**
 * Samples RSS until it moved less than `tolerance` (a fraction) over the last `stableMs`, or
 * `maxWaitMs` passed; answers the last sample.
 */
export async function settledRss(pid: number, { tolerance, stableMs, maxWaitMs }: { tolerance: number; stableMs: number; maxWaitMs: number }): Promise<SettledRss> {
  const started = performance.now();
  const samples: { at: number; bytes: number }[] = [];
  for (;;) {
    const at = performance.now();
    const bytes = await rssBytes(pid);
    samples.push({ at, bytes });
    while (samples.length > 0 && at - samples[0]!.at > stableMs) samples.shift();
    const window = samples.map((sample) => sample.bytes);
    const full = at - started >= stableMs && samples.length >= stableMs / SAMPLE_MS - 1;
    if (full && Math.max(...window) - Math.min(...window) <= tolerance * bytes) return { bytes, waitedMs: at - started, settled: true };
    if (at - started >= maxWaitMs) return { bytes, waitedMs: at - started, settled: false };
    await delay(SAMPLE_MS);
  }
}

export const MB = 1024 * 1024;
