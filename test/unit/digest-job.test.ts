// The digest job's timing and what it produces, over a scripted store and a fake clock: a period
// known at a run closes at its end without waiting for the next check, one ending after that check
// is left to it, a run told another time (a test's clock) arms nothing, and a failed produce leaves
// the period to the next run, which produces the same summary.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDigestJob } from '../../src/notifications/digest-job.js';
import { buildSummary } from '../../src/notifications/digest-summary.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { ClaimedDigest } from '../../src/notifications/ports.js';

const INTERVAL = 30_000;
const START = Date.parse('2026-12-01T10:59:50.000Z');

function scripted() {
  /** Periods by their end; each closes once. */
  const open = new Map<number, ClaimedDigest>();
  const produced: NewNotification[][] = [];
  let failSends = 0;
  const period = (end: number, recipientId = 'ann'): void => {
    open.set(end, {
      period: { recipientId, workspaceId: null, kind: 'comment', delivery: 'hourly_digest', start: new Date(end - 3_600_000), end: new Date(end) },
      total: 1,
      items: [{ id: `00000000-0000-4000-8000-${String(end % 1e12).padStart(12, '0')}`, senderId: '3', message: 'Rick commented', link: null, createdAt: new Date(end - 60_000) }],
    });
  };
  const store = {
    claimDueDigests: async (at: Date) => [...open.values()].filter((d) => d.period.end.getTime() <= at.getTime()),
    nextDigestDue: async () => {
      const ends = [...open.keys()];
      return ends.length === 0 ? null : new Date(Math.min(...ends));
    },
    closeDigests: async (periods: readonly ClaimedDigest['period'][]) => {
      for (const p of periods) open.delete(p.end.getTime());
    },
    pruneDigests: async () => 0,
  };
  const producer = {
    send: async (items: readonly NewNotification[]) => {
      if (failSends > 0) {
        failSends -= 1;
        throw new Error('Kafka away');
      }
      produced.push([...items]);
    },
  };
  return { store, producer, produced, period, open, failNextSend: () => (failSends += 1) };
}

describe('digest job', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const log = pino({ level: 'silent' });
  const job = (s: ReturnType<typeof scripted>) => createDigestJob({ store: s.store, producer: s.producer, intervalMs: INTERVAL, leaseMs: 60_000, log, now: () => new Date() });

  it('closes a period at its end, not at the next check, and one ending after that check at the check', async () => {
    const s = scripted();
    const hour = Date.parse('2026-12-01T11:00:00.000Z');
    s.period(hour);
    s.period(hour + 3_600_000, 'bob');
    const digests = job(s);
    digests.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.produced).toEqual([]);
    await vi.advanceTimersByTimeAsync(hour - START - 1);
    expect(s.produced, 'not before its end').toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(s.produced.map((batch) => batch.map((n) => [n.recipientId, n.message, n.createdAt.getTime()]))).toEqual([[['ann', '1 new comment', hour]]]);
    // Bob's ends an hour later: beyond the next check, so no timer now; the checks find it near its end.
    await vi.advanceTimersByTimeAsync(3_600_000 - INTERVAL);
    expect(s.produced).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(INTERVAL + 1);
    expect(s.produced.map((batch) => batch[0]!.recipientId)).toEqual(['ann', 'bob']);
    await digests.stop();
  });

  it('arms nothing for a run told another time, and runs them one at a time in order', async () => {
    const s = scripted();
    const end = START + 5000;
    s.period(end);
    const digests = job(s);
    digests.start();
    await vi.advanceTimersByTimeAsync(0);
    await digests.stop();
    // Stopped: the timer armed at start is gone; a run told the end's time closes it.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.produced).toEqual([]);
    const [before, at] = await Promise.all([digests.runOnce(new Date(end - 1)), digests.runOnce(new Date(end))]);
    expect([before, at]).toEqual([0, 1]);
  });

  it('leaves a period whose summary Kafka did not take to the next run, which produces the same summary', async () => {
    const s = scripted();
    s.period(START);
    const claimed = s.open.get(START)!;
    s.failNextSend();
    const digests = job(s);
    expect(await digests.runOnce(new Date(START))).toBe(0);
    expect(s.open.size).toBe(1);
    expect(await digests.runOnce(new Date(START + 60_000))).toBe(1);
    expect(s.open.size).toBe(0);
    const [summary] = s.produced[0]!;
    expect(summary).toEqual(buildSummary({ ...claimed, period: { ...claimed.period } }));
  });
});
