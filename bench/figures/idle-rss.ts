/**
 * Idle memory: the resident set of each store's server process once its system has started and
 * nothing has used it yet, read from outside (/proc/PID/status VmRSS) after it stopped moving.
 * Measured first, before any figure has grown a heap or filled a cache.
 */
import type { BenchContext } from '../context.js';
import type { FigureResult, Measurement } from '../figure.js';
import { MB, settledRss } from '../rss.js';
import { STORE_NAMES, type StoreKind } from '../settings.js';

const KEYS: Record<StoreKind, string> = { pg: 'idleRssMbPg', pglite: 'idleRssMbPglite' };

export async function idleRssFigure(ctx: BenchContext): Promise<FigureResult> {
  const measured = await Promise.all(ctx.systems.map(async ({ store, host }) => ({ store, rss: await settledRss(host.pid, ctx.settings.rss) })));
  const measurements: Measurement[] = measured.map(({ store, rss }) => ({
    label: `server process with ${STORE_NAMES[store]}, idle after start`,
    value: rss.bytes / MB,
    unit: 'MB',
    extra: { 'settled after ms': rss.waitedMs, settled: rss.settled ? 1 : 0 },
  }));
  return {
    id: 'rss',
    title: 'Idle memory of the server process',
    ratioNote: 'absolute, against the targets',
    measurements,
    notes: [
      'VmRSS from /proc/PID/status of the server process (bench/host.ts running the system, compiled, see bench/host-bundle.ts), ' +
        `once it moved less than ${ctx.settings.rss.tolerance * 100} % over ${ctx.settings.rss.stableMs} ms`,
      'both systems are up side by side, each in its own process; users seeded: the demo ones and the bench\'s few dozen',
    ],
    seconds: 0,
    keys: Object.fromEntries(measured.map(({ store, rss }) => [KEYS[store], rss.bytes / MB])),
  };
}
