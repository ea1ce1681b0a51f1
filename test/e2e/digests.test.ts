/**
 * Digests end to end on the real broker and store (issue 17). A user who gets comments as an
 * hourly digest gets no push per comment, then exactly one summary with every one of them when
 * the hour ends; a period's last millisecond and the next one's first go to two digests, and an
 * event of a period already closed goes into the next one; a daily digest in New York closes at
 * local midnight, on a 25-hour day.
 *
 * The digest job's own timer is set a day apart, so nothing closes on the wall clock: each case
 * runs the job with the time it means (`runOnce(at)`). Events of chosen times are written to the
 * topic by the system's own producer, as a send does. Every wait is on an event: a fence (an
 * immediate notification sent after the digested ones to the same recipient, so the same
 * partition, after them) or the summary's push.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import { userToken } from '../support/auth.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { readMetrics, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const HOUR = 3_600_000;
const SEND = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;
const SET_PREFERENCES = /* GraphQL */ `mutation SetPrefs($input: PreferencesInput!) { setPreferences(input: $input) { timeZone } }`;
const ADDED = /* GraphQL */ `subscription Added($after: String) { notificationAdded(after: $after) { id kind message link data createdAt } }`;

interface Pushed {
  id: string;
  kind: string;
  message: string;
  link: string | null;
  data: { digest?: { total: number; delivery: string; periodStart: string; periodEnd: string; items: { id: string; senderId: string; message: string }[] } } | null;
  createdAt: string;
}

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ env: { DIGEST_INTERVAL_MS: String(24 * HOUR) } });
  await waitUntilReady(system);
});
afterAll(async () => {
  await system?.dispose();
});

/** A live feed of `user`'s pushes from the start of their inbox. */
function feedOf(user: string) {
  const ws = wsClient(system.wsUrl, { token: userToken(user) });
  const feed = wsSubscribe<{ notificationAdded: Pushed }>(ws, ADDED, { after: encodeCursor(0) });
  return {
    next: async () => (await feed.next()).data!.notificationAdded,
    async close() {
      await feed.close();
      await ws.dispose();
    },
  };
}

const event = (user: string, kind: string, createdAt: string, message = `${kind} at ${createdAt}`): NewNotification => ({
  id: randomUUID(),
  senderId: '3',
  recipientId: user,
  kind,
  message,
  link: '/posts/7',
  data: null,
  createdAt: new Date(createdAt),
});

/** Writes the events, then an immediate mention to the same user, and waits for the mention's push: every event before it was handled. */
async function produceAndFence(user: string, feed: ReturnType<typeof feedOf>, events: NewNotification[]): Promise<void> {
  const fence = event(user, 'mention', new Date().toISOString(), 'fence');
  await system.kafka.producer.send([...events, fence]);
  const pushed = await feed.next();
  expect(pushed.id, 'nothing digested is pushed').toBe(fence.id);
}

const digested = async (kind: string) => sample(await readMetrics(system.metricsUrl), 'notify_notifications_digested_total', { kind });

describe('digests', () => {
  it('pushes no comment of an hourly digest, then one summary listing every one when the hour ends', async () => {
    const user = '1';
    const token = userToken(user);
    await graphqlData(system.url, SET_PREFERENCES, { input: { kinds: [{ kind: 'comment', delivery: 'HOURLY_DIGEST' }] } }, { token });
    const before = await digested('comment');
    const feed = feedOf(user);
    try {
      const sentFrom = Date.now();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        ids.push(
          (await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, { input: { recipientId: user, senderId: '3', kind: 'comment', message: `Rick's comment ${n}`, link: '/posts/7' } }))
            .sendNotification.id,
        );
      }
      const sentUntil = Date.now();
      const mention = (await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, { input: { recipientId: user, senderId: '3', kind: 'mention', message: 'Rick mentioned you' } })).sendNotification.id;
      expect((await feed.next()).id, 'the comments before it were not pushed').toBe(mention);
      expect((await digested('comment')) - before).toBe(3);

      // Their hour (two, if the sends straddled the top of an hour: then a summary each).
      const hours = [...new Set([sentFrom, sentUntil].map((ms) => Math.floor(ms / HOUR) * HOUR))];
      const lastEnd = hours.at(-1)! + HOUR;
      expect(await system.digestJob.runOnce(new Date(hours[0]! + HOUR - 1)), 'not before the hour ends').toBe(0);
      expect(await system.digestJob.runOnce(new Date(lastEnd))).toBe(hours.length);
      const summaries: Pushed[] = [];
      for (const _ of hours) summaries.push(await feed.next());
      expect(summaries.flatMap((s) => s.data!.digest!.items.map((item) => item.id))).toEqual(ids);
      expect(summaries.reduce((total, s) => total + s.data!.digest!.total, 0)).toBe(3);
      const [summary] = summaries;
      if (hours.length === 1) {
        expect(summary).toMatchObject({ kind: 'comment', message: '3 new comments', link: '/posts/7', createdAt: new Date(lastEnd).toISOString() });
        expect(summary!.data!.digest).toMatchObject({ delivery: 'hourly_digest', periodStart: new Date(hours[0]!).toISOString(), periodEnd: new Date(lastEnd).toISOString(), total: 3 });
        expect(summary!.data!.digest!.items.map((item) => [item.senderId, item.message])).toEqual([1, 2, 3].map((n) => ['3', `Rick's comment ${n}`]));
      }
      // Once: a second run finds nothing to close, and the summary was not digested again.
      expect(await system.digestJob.runOnce(new Date(lastEnd + HOUR))).toBe(0);
      expect((await digested('comment')) - before).toBe(3);
      const metrics = await readMetrics(system.metricsUrl);
      expect(sample(metrics, 'notify_digests_delivered_total', { kind: 'comment' })).toBeGreaterThanOrEqual(hours.length);
    } finally {
      await feed.close();
    }
  });

  it('splits at the hour to the millisecond, and puts an event of a closed hour into the next digest', async () => {
    const user = '2';
    await system.store.setPreferences(user, { kinds: [{ kind: 'comment', delivery: 'hourly_digest' }] });
    const feed = feedOf(user);
    try {
      const early = event(user, 'comment', '2026-12-01T10:30:00.000Z');
      const last = event(user, 'comment', '2026-12-01T10:59:59.999Z');
      const first = event(user, 'comment', '2026-12-01T11:00:00.000Z');
      await produceAndFence(user, feed, [early, last, first]);

      expect(await system.digestJob.runOnce(new Date('2026-12-01T11:00:00.000Z'))).toBe(1);
      const ten = await feed.next();
      expect(ten.message).toBe('2 new comments');
      expect(ten.data!.digest!.items.map((item) => item.id)).toEqual([early.id, last.id]);

      // Ten is closed: a late event of ten goes to eleven, with the one already there; a
      // redelivered copy of an event of ten is not counted again.
      const late = event(user, 'comment', '2026-12-01T10:45:00.000Z');
      await produceAndFence(user, feed, [late, early]);
      expect(await system.digestJob.runOnce(new Date('2026-12-01T12:00:00.000Z'))).toBe(1);
      const eleven = await feed.next();
      expect(eleven.data!.digest).toMatchObject({ periodStart: '2026-12-01T11:00:00.000Z', total: 2 });
      expect(eleven.data!.digest!.items.map((item) => item.id)).toEqual([late.id, first.id]);
    } finally {
      await feed.close();
    }
  });

  it('closes a daily digest at midnight in the user\'s time zone, on a 25-hour day too', async () => {
    const user = '4';
    await graphqlData(system.url, SET_PREFERENCES, { input: { timeZone: 'America/New_York', kinds: [{ kind: 'like', delivery: 'DAILY_DIGEST' }] } }, { token: userToken(user) });
    const feed = feedOf(user);
    try {
      // 23:59:59 on Saturday 31 October in New York (EDT), and 00:00 on Sunday 1 November, the
      // day the clocks go back: it ends at 00:00 EST on the 2nd, 25 hours later.
      const saturday = event(user, 'like', '2026-11-01T03:59:59.000Z');
      const sunday = event(user, 'like', '2026-11-01T04:00:00.000Z');
      await produceAndFence(user, feed, [saturday, sunday]);

      expect(await system.digestJob.runOnce(new Date('2026-11-01T03:59:59.999Z'))).toBe(0);
      expect(await system.digestJob.runOnce(new Date('2026-11-01T04:00:00.000Z'))).toBe(1);
      const first = await feed.next();
      expect(first).toMatchObject({ kind: 'like', message: '1 new like' });
      expect(first.data!.digest).toMatchObject({ delivery: 'daily_digest', periodStart: '2026-10-31T04:00:00.000Z', periodEnd: '2026-11-01T04:00:00.000Z', total: 1 });

      expect(await system.digestJob.runOnce(new Date('2026-11-02T04:59:59.999Z')), 'a 25-hour day').toBe(0);
      expect(await system.digestJob.runOnce(new Date('2026-11-02T05:00:00.000Z'))).toBe(1);
      const second = await feed.next();
      expect(second.data!.digest).toMatchObject({ periodStart: '2026-11-01T04:00:00.000Z', periodEnd: '2026-11-02T05:00:00.000Z', total: 1 });
      expect(second.data!.digest!.items.map((item) => item.id)).toEqual([sunday.id]);
    } finally {
      await feed.close();
    }
  });
});
