// The snooze wake-up's timing and what it tells, over a scripted store and a fake clock: it wakes
// at the armed time without waiting for its check, arms only what falls before the next check,
// publishes one UNSNOOZED change per recipient, goes on while a statement takes a full page of
// recipients, and survives a store outage.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InboxEvent } from '../../src/notifications/ports.js';
import { createSnoozeJob } from '../../src/notifications/snooze.js';
import { stored } from './fixtures.js';

const INTERVAL = 5000;

function scripted() {
  /** Rows snoozed in the scripted store: each wakes once, when a wake-up's time reaches its due time. */
  const snoozed = new Map<string, { due: number; recipientId: string; seq: number }>();
  const wakes: number[] = [];
  let failNext = false;
  const store = {
    async wakeSnoozed(at: Date, recipientLimit: number) {
      wakes.push(at.getTime());
      if (failNext) {
        failNext = false;
        throw new Error('store away');
      }
      const due = [...snoozed].filter(([, row]) => row.due <= at.getTime());
      const recipients = [...new Set(due.map(([, row]) => row.recipientId))].sort().slice(0, recipientLimit);
      const woken = due.filter(([, row]) => recipients.includes(row.recipientId));
      for (const [id] of woken) snoozed.delete(id);
      return woken.map(([id, row]) => stored(row.seq, { id, recipientId: row.recipientId }));
    },
    async nextSnoozeDue() {
      const times = [...snoozed.values()].map((row) => row.due);
      return times.length === 0 ? null : new Date(Math.min(...times));
    },
  };
  const published: InboxEvent[] = [];
  const snooze = (id: string, recipientId: string, due: number) => snoozed.set(id, { due, recipientId, seq: snoozed.size + 1 });
  return { store, published, pubsub: { publishChanged: (event: InboxEvent) => published.push(event) }, snooze, wakes, failOnce: () => (failNext = true) };
}

describe('snooze wake-up', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const log = pino({ level: 'silent' });

  it('wakes a snooze at its armed time, well before the next check, and tells each recipient once', async () => {
    const s = scripted();
    const job = createSnoozeJob({ store: s.store, pubsub: s.pubsub, intervalMs: INTERVAL, log, now: () => new Date() });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    const start = Date.now();
    s.snooze('a', 'ann', start + 3000);
    s.snooze('b', 'ann', start + 3000);
    s.snooze('c', 'bob', start + 3000);
    job.arm(new Date(start + 3000));

    await vi.advanceTimersByTimeAsync(2999);
    expect(s.published).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(s.published.map((event) => [event.userId, event.action, event.ids])).toEqual([
      ['ann', 'unsnoozed', ['a', 'b']],
      ['bob', 'unsnoozed', ['c']],
    ]);
    // Woken by the timer, not by the check at 5 s.
    expect(s.wakes.at(-1)! - start).toBeLessThan(INTERVAL);
    await job.stop();
  });

  it('leaves a time beyond the next check to the checks, which arm it from the store once it comes near', async () => {
    const s = scripted();
    const job = createSnoozeJob({ store: s.store, pubsub: s.pubsub, intervalMs: INTERVAL, log, now: () => new Date() });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    const start = Date.now();
    // Made on another instance: this one was never told, and 7.5 s is beyond its next check.
    s.snooze('far', 'ann', start + 7500);
    job.arm(new Date(start + 7500));
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.published).toEqual([]);
    // The check at 5 s found it due within an interval and armed for it: woken at 7.5 s, not at 10 s.
    await vi.advanceTimersByTimeAsync(2501);
    expect(s.published.map((event) => event.ids)).toEqual([['far']]);
    expect(Date.now() - start).toBeLessThan(10_000);
    await job.stop();
  });

  it('goes on while a statement wakes a full page of recipients', async () => {
    const s = scripted();
    const job = createSnoozeJob({ store: s.store, pubsub: s.pubsub, intervalMs: INTERVAL, log, now: () => new Date(), recipientsPerRun: 2 });
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) s.snooze(`${user}-n`, user, Date.now() - 1);
    await job.runOnce();
    expect(s.published.map((event) => event.userId)).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('logs a failed run and wakes at the next one', async () => {
    const s = scripted();
    const job = createSnoozeJob({ store: s.store, pubsub: s.pubsub, intervalMs: INTERVAL, log, now: () => new Date() });
    s.snooze('a', 'ann', Date.now() - 1);
    s.failOnce();
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.published).toEqual([]);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.published.map((event) => event.ids)).toEqual([['a']]);
    await job.stop();
  });
});
