/**
 * Digests, as every store back-end must keep them (issue 17): an item is kept once by id, in the
 * period it names unless that period is claimed or closed (then in the next one), never if the
 * inbox holds it already; a period is claimed by one closer at its end however many ask at once,
 * claimed again only once its lease ran out (a closer that died) and with the same items, and
 * never once closed. Each case uses recipients of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { DigestItem, DigestPeriod, NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';

export interface OpenedDigestStore {
  store: NotificationStore;
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const HOUR = 3_600_000;
const LEASE = 60_000;
const newUser = (): string => `user-${randomUUID()}`;

/** An hourly period of `user`'s comments starting at `start`. */
const hourOf = (user: string, start: string): DigestPeriod => ({
  recipientId: user,
  workspaceId: null,
  kind: 'comment',
  delivery: 'hourly_digest',
  start: new Date(start),
  end: new Date(new Date(start).getTime() + HOUR),
});
const nextHour = (period: DigestPeriod): DigestPeriod => ({ ...period, start: period.end, end: new Date(period.end.getTime() + HOUR) });

const comment = (user: string, createdAt: string, message = 'Rick commented on your post'): NewNotification => ({
  id: randomUUID(),
  senderId: '3',
  recipientId: user,
  kind: 'comment',
  message,
  link: '/posts/7',
  data: null,
  createdAt: new Date(createdAt),
});
const itemIn = (period: DigestPeriod, notification: NewNotification): DigestItem => ({ period, notification });

export function describeDigestStoreContract(name: string, open: () => Promise<OpenedDigestStore>): void {
  describe(`${name}: digests`, () => {
    let opened: OpenedDigestStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    /** The claims at `at` of this user's periods only (other cases' periods may be due too). */
    const claimOf = async (user: string, at: string) => (await store.claimDueDigests(new Date(at), 1000, LEASE, 50)).filter((d) => d.period.recipientId === user);

    it('keeps each notification once, in its period, in order, even when they share a second', async () => {
      const user = newUser();
      const period = hourOf(user, '2026-03-01T10:00:00.000Z');
      const first = comment(user, '2026-03-01T10:15:00.000Z', 'first');
      const second = comment(user, '2026-03-01T10:15:00.000Z', 'second');
      const third = comment(user, '2026-03-01T10:59:59.999Z', 'third');
      const kept = await store.addDigestItems([itemIn(period, first), itemIn(period, second)], nextHour);
      expect(kept.map((item) => item.notification.id)).toEqual([first.id, second.id]);
      // A redelivery of the batch, with one more written twice: only the new one is kept, once.
      const again = await store.addDigestItems([itemIn(period, first), itemIn(period, third), itemIn(period, second), itemIn(period, third)], nextHour);
      expect(again.map((item) => item.notification.id)).toEqual([third.id]);
      const backlog = await store.digestBacklog();
      expect(backlog.periods).toBeGreaterThanOrEqual(1);
      expect(backlog.items).toBeGreaterThanOrEqual(3);

      expect(await claimOf(user, '2026-03-01T10:59:59.999Z'), 'not due before its end').toEqual([]);
      expect(await store.nextDigestDue()).toEqual(period.end);
      const [claimed, ...others] = await claimOf(user, '2026-03-01T11:00:00.000Z');
      expect(await store.nextDigestDue(), 'claimed: due again when its lease runs out').toEqual(new Date(period.end.getTime() + LEASE));
      expect(others).toEqual([]);
      expect(claimed?.period).toEqual(period);
      expect(claimed?.total).toBe(3);
      expect(claimed?.items.map((item) => item.message).sort()).toEqual(['first', 'second', 'third']);
      expect(claimed?.items.at(-1)).toEqual({ id: third.id, senderId: '3', message: 'third', link: '/posts/7', createdAt: third.createdAt });
    });

    it('never merges two keys: another kind, delivery, workspace or recipient is a period of its own', async () => {
      const user = newUser();
      const other = newUser();
      const start = '2026-03-02T10:00:00.000Z';
      const period = hourOf(user, start);
      await store.addDigestItems(
        [
          itemIn(period, comment(user, '2026-03-02T10:01:00.000Z')),
          itemIn({ ...period, kind: 'like' }, { ...comment(user, '2026-03-02T10:01:00.000Z'), kind: 'like' }),
          itemIn({ ...period, delivery: 'daily_digest', end: new Date('2026-03-03T00:00:00.000Z') }, comment(user, '2026-03-02T10:01:00.000Z')),
          itemIn(hourOf(other, start), comment(other, '2026-03-02T10:01:00.000Z')),
          itemIn({ ...period, workspaceId: 'acme' }, { ...comment(user, '2026-03-02T10:01:00.000Z'), workspaceId: 'acme' }),
        ],
        nextHour,
      );
      // One claim takes every due period, whoever's: the same answer split by recipient.
      const due = await store.claimDueDigests(new Date('2026-03-02T11:00:00.000Z'), 1000, LEASE, 50);
      expect(due.filter((d) => d.period.recipientId === user).map((d) => [d.period.kind, d.period.delivery, d.period.workspaceId ?? '', d.total]).sort()).toEqual([
        ['comment', 'hourly_digest', '', 1],
        ['comment', 'hourly_digest', 'acme', 1],
        ['like', 'hourly_digest', '', 1],
      ]);
      expect(due.filter((d) => d.period.recipientId === other).map((d) => d.total)).toEqual([1]);
      await store.closeDigests(
        due.map((d) => d.period),
        new Date('2026-03-02T11:00:00.000Z'),
      );
      expect((await claimOf(user, '2026-03-03T00:00:00.000Z')).map((d) => [d.period.delivery, d.total])).toEqual([['daily_digest', 1]]);
    });

    it('claims a period for one of two closers at once, and never again once closed', async () => {
      const user = newUser();
      const period = hourOf(user, '2026-03-04T10:00:00.000Z');
      await store.addDigestItems([itemIn(period, comment(user, '2026-03-04T10:30:00.000Z'))], nextHour);
      const at = '2026-03-04T11:00:05.000Z';
      const [a, b] = await Promise.all([claimOf(user, at), claimOf(user, at)]);
      expect([...a!, ...b!].map((d) => d.period)).toEqual([period]);
      await store.closeDigests([period], new Date(at));
      expect(await claimOf(user, '2026-03-05T00:00:00.000Z'), 'closed: not claimed again, lease or not').toEqual([]);
    });

    it('gives a claimed period to the next closer only when its lease ran out, with the same items', async () => {
      const user = newUser();
      const period = hourOf(user, '2026-03-06T10:00:00.000Z');
      await store.addDigestItems([itemIn(period, comment(user, '2026-03-06T10:30:00.000Z')), itemIn(period, comment(user, '2026-03-06T10:31:00.000Z'))], nextHour);
      const first = await claimOf(user, '2026-03-06T11:00:00.000Z');
      expect(first).toHaveLength(1);
      // The closer died before marking it closed.
      expect(await claimOf(user, new Date(Date.parse('2026-03-06T11:00:00.000Z') + LEASE - 1).toISOString())).toEqual([]);
      const second = await claimOf(user, new Date(Date.parse('2026-03-06T11:00:00.000Z') + LEASE).toISOString());
      expect(second).toEqual(first);
    });

    it('puts an item whose period is claimed or closed into the next open period: late, never lost', async () => {
      const user = newUser();
      const ten = hourOf(user, '2026-03-07T10:00:00.000Z');
      const eleven = nextHour(ten);
      await store.addDigestItems([itemIn(ten, comment(user, '2026-03-07T10:10:00.000Z'))], nextHour);
      // Ten's closer has claimed it; a late item of ten comes in, then ten closes.
      expect(await claimOf(user, '2026-03-07T11:00:00.000Z')).toHaveLength(1);
      const late = comment(user, '2026-03-07T10:59:00.000Z', 'late');
      const kept = await store.addDigestItems([itemIn(ten, late)], nextHour);
      expect(kept).toEqual([itemIn(eleven, late)]);
      await store.closeDigests([ten], new Date('2026-03-07T11:00:01.000Z'));
      // Eleven is closed too before the next late one: it goes on to twelve.
      expect((await claimOf(user, '2026-03-07T12:00:00.000Z')).map((d) => [d.period.start.toISOString(), d.items.map((i) => i.message)])).toEqual([
        ['2026-03-07T11:00:00.000Z', ['late']],
      ]);
      await store.closeDigests([eleven], new Date('2026-03-07T12:00:01.000Z'));
      const later = comment(user, '2026-03-07T10:20:00.000Z', 'later');
      expect((await store.addDigestItems([itemIn(ten, later)], nextHour)).map((item) => item.period)).toEqual([nextHour(eleven)]);
      // A redelivery of the first late one is not counted again in twelve.
      expect(await store.addDigestItems([itemIn(ten, late)], nextHour)).toEqual([]);
      expect((await claimOf(user, '2026-03-07T13:00:00.000Z')).map((d) => d.total)).toEqual([1]);
    });

    it('keeps out what the inbox already holds, and closes an empty period without a summary', async () => {
      const user = newUser();
      const period = hourOf(user, '2026-03-08T10:00:00.000Z');
      const stored = comment(user, '2026-03-08T10:05:00.000Z');
      await store.insertNotifications([stored]);
      expect(await store.addDigestItems([itemIn(period, stored)], nextHour)).toEqual([]);
      expect(await claimOf(user, '2026-03-08T11:00:00.000Z'), 'nothing to sum up').toEqual([]);
      const rows = await opened.sql.query<{ closed: boolean }>('SELECT closed_at IS NOT NULL AS closed FROM digest_periods WHERE recipient_id = $1', [user]);
      expect(rows).toEqual([{ closed: true }]);
    });

    it('routes a batch: delivery overrides, time zones, and the ids already kept', async () => {
      const user = newUser();
      const plain = newUser();
      await store.setPreferences(user, { timeZone: 'Asia/Tokyo', kinds: [{ kind: 'comment', delivery: 'daily_digest' }, { kind: 'like', inApp: false }] });
      const kept = comment(user, '2026-03-09T10:05:00.000Z');
      await store.addDigestItems([itemIn(hourOf(user, '2026-03-09T10:00:00.000Z'), kept)], nextHour);
      const routing = await store.digestRouting(
        [
          { userId: user, kind: 'comment' },
          { userId: user, kind: 'like' },
          { userId: plain, kind: 'comment' },
        ],
        [kept.id, randomUUID()],
      );
      expect(routing).toEqual({
        deliveries: [{ userId: user, kind: 'comment', delivery: 'daily_digest' }],
        timeZones: [{ userId: user, timeZone: 'Asia/Tokyo' }],
        digested: [kept.id],
      });
    });

    it('prunes closed periods and their items after they are old enough', async () => {
      const user = newUser();
      const period = hourOf(user, '2026-03-10T10:00:00.000Z');
      await store.addDigestItems([itemIn(period, comment(user, '2026-03-10T10:05:00.000Z'))], nextHour);
      await claimOf(user, '2026-03-10T11:00:00.000Z');
      await store.closeDigests([period], new Date('2026-03-10T11:00:00.000Z'));
      await store.pruneDigests(new Date('2026-03-10T11:00:00.000Z'));
      expect(await opened.sql.query('SELECT 1 FROM digest_items WHERE recipient_id = $1', [user]), 'closed at the bound: kept').toHaveLength(1);
      expect(await store.pruneDigests(new Date('2026-03-10T11:00:00.001Z'))).toBeGreaterThanOrEqual(1);
      expect(await opened.sql.query('SELECT 1 FROM digest_items WHERE recipient_id = $1', [user])).toEqual([]);
      expect(await opened.sql.query('SELECT 1 FROM digest_periods WHERE recipient_id = $1', [user])).toEqual([]);
    });
  });
}
