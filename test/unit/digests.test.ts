/**
 * Digests' pure parts (issue 17): the periods (UTC hours; local days, 23 to 25 hours long), the
 * summary (its wording, its bounds, its derived id and what recognises it), and the routing of a
 * batch over a scripted store: who is digested, into which period, and what stays for the inbox.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildSummary, isDigestSummary, summaryMessage } from '../../src/notifications/digest-summary.js';
import { periodAfter, periodOf, takeDigested } from '../../src/notifications/digests.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { DigestItem, DigestRouting } from '../../src/notifications/ports.js';
import { DEFAULT_KINDS, type KindTable } from '../../src/notifications/preferences.js';
import { DATA_MAX_BYTES } from '../../src/notifications/validation.js';
import { localDayStart } from '../../src/windows.js';

const iso = (date: Date) => date.toISOString();
const comment = (recipientId: string, createdAt: string, fields: Partial<NewNotification> = {}): NewNotification => ({
  id: randomUUID(),
  senderId: '3',
  recipientId,
  kind: 'comment',
  message: 'Rick commented',
  link: '/posts/7',
  data: null,
  createdAt: new Date(createdAt),
  ...fields,
});

const key = (kind: string) => ({ recipientId: 'u', workspaceId: null, kind });

describe('digest periods', () => {
  it('cuts hourly periods at the UTC hour, to the millisecond, whatever the zone', () => {
    const last = periodOf(key('comment'), 'hourly_digest', new Date('2026-12-01T10:59:59.999Z'), 'Asia/Kolkata');
    const first = periodOf(key('comment'), 'hourly_digest', new Date('2026-12-01T11:00:00.000Z'), 'Asia/Kolkata');
    expect([iso(last.start), iso(last.end)]).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z']);
    expect(periodAfter(last, 'Asia/Kolkata')).toEqual(first);
  });

  it('cuts daily periods at local midnight: 23 hours in spring, 25 in autumn, 24 otherwise', () => {
    const day = (at: string, zone: string) => {
      const period = periodOf(key('like'), 'daily_digest', new Date(at), zone);
      return [iso(period.start), iso(period.end)];
    };
    expect(day('2026-03-08T12:00:00Z', 'America/New_York')).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(day('2026-11-01T12:00:00Z', 'America/New_York')).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(day('2026-06-01T23:59:59.999Z', 'Asia/Tokyo')).toEqual(['2026-06-01T15:00:00.000Z', '2026-06-02T15:00:00.000Z']);
    expect(day('2026-06-01T00:00:00Z', 'UTC')).toEqual(['2026-06-01T00:00:00.000Z', '2026-06-02T00:00:00.000Z']);
    // Chile springs forward at midnight: that day starts at 01:00 local.
    expect(day('2026-09-06T12:00:00Z', 'America/Santiago')).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });

  it('puts every instant in exactly one local day, the next starting where one ends', () => {
    for (const zone of ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Kiritimati']) {
      let period = periodOf(key('like'), 'daily_digest', new Date('2026-01-01T00:00:00Z'), zone);
      for (let n = 0; n < 400; n += 1) {
        const next = periodAfter(period, zone);
        expect(next.start).toEqual(period.end);
        expect(localDayStart(next.start.getTime() - 1, zone)).toEqual(period.start);
        expect(periodOf(key('like'), 'daily_digest', next.start, zone)).toEqual(next);
        period = next;
      }
    }
  });
});

describe('the summary', () => {
  const period = { recipientId: '2', workspaceId: null, kind: 'comment', delivery: 'hourly_digest' as const, start: new Date('2026-12-01T10:00:00Z'), end: new Date('2026-12-01T11:00:00Z') };
  const entry = (n: number, fields: Partial<{ link: string | null; message: string }> = {}) => ({
    id: randomUUID(),
    senderId: String(n),
    message: `comment ${n}`,
    link: '/posts/7',
    createdAt: new Date(Date.parse('2026-12-01T10:00:00Z') + n),
    ...fields,
  });

  it('says how many, of what, lists them, links where they all link, and is the same however often it is built', () => {
    const items = [entry(1), entry(2), entry(3)];
    const summary = buildSummary({ period, total: 5, items });
    expect(summary).toMatchObject({ recipientId: '2', kind: 'comment', message: '5 new comments', link: '/posts/7', senderId: '3', createdAt: period.end });
    expect(summary.data).toEqual({
      digest: { kind: 'comment', delivery: 'hourly_digest', periodStart: '2026-12-01T10:00:00.000Z', periodEnd: '2026-12-01T11:00:00.000Z', total: 5, items: items.map((i) => ({ ...i, createdAt: iso(i.createdAt) })) },
    });
    expect(buildSummary({ period, total: 5, items })).toEqual(summary);
    expect(buildSummary({ period: { ...period, start: period.end, end: new Date('2026-12-01T12:00:00Z') }, total: 5, items }).id).not.toBe(summary.id);
    expect(buildSummary({ period, total: 2, items: [entry(1), entry(2, { link: '/posts/8' })] }).link).toBeNull();
    // A workspace's digest is summed up in that workspace's inbox, under an id of its own.
    const inAcme = buildSummary({ period: { ...period, workspaceId: 'acme' }, total: 5, items });
    expect(inAcme.workspaceId).toBe('acme');
    expect(inAcme.id).not.toBe(summary.id);
    expect(isDigestSummary(inAcme)).toBe(true);
  });

  it('names the seeded kinds, one or many, and any other kind plainly', () => {
    expect([summaryMessage('like', 1), summaryMessage('follow', 2), summaryMessage('mention', 3), summaryMessage('invoice.paid', 4)]).toEqual([
      '1 new like',
      '2 new followers',
      '3 new mentions',
      '4 new invoice.paid notifications',
    ]);
  });

  it('stays within what a notification may carry: at most 50 items, messages shortened, data under its bound', () => {
    const long = 'x'.repeat(2000);
    const items = Array.from({ length: 80 }, (_, n) => entry(n, { message: long, link: `/posts/${'p'.repeat(1500)}${n}` }));
    const summary = buildSummary({ period, total: 80, items });
    const listed = (summary.data as { digest: { items: { message: string }[]; total: number } }).digest;
    expect(Buffer.byteLength(JSON.stringify(summary.data))).toBeLessThanOrEqual(DATA_MAX_BYTES);
    expect(listed.total).toBe(80);
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.length).toBeLessThanOrEqual(50);
    expect([...listed.items[0]!.message].length).toBe(200);
    expect(buildSummary({ period, total: 80, items: items.map((i) => ({ ...i, link: null, message: 'short' })) }).data).toMatchObject({ digest: { items: { length: 50 } } });
  });

  it('is recognised by its derived id, not by the shape of its data', () => {
    const summary = buildSummary({ period, total: 1, items: [entry(1)] });
    expect(isDigestSummary(summary)).toBe(true);
    expect(isDigestSummary({ ...summary, id: randomUUID() }), 'a send copying data.digest').toBe(false);
    expect(isDigestSummary({ ...summary, recipientId: '4' })).toBe(false);
    expect(isDigestSummary(comment('2', '2026-12-01T10:00:00Z', { data: { digest: 'yes' } }))).toBe(false);
  });
});

describe('routing a batch', () => {
  /** A store that answers the routing it was given and records what it was asked to keep. */
  function scripted(routing: Partial<DigestRouting> = {}) {
    const added: DigestItem[][] = [];
    const calls: string[] = [];
    const store = {
      digestRouting: async () => {
        calls.push('routing');
        return { deliveries: [], timeZones: [], digested: [], ...routing };
      },
      addDigestItems: async (items: readonly DigestItem[]) => {
        calls.push('add');
        added.push([...items]);
        return [...items];
      },
    };
    return { store, added, calls };
  }
  const retry = <T>(call: () => Promise<T>) => call();
  const wrap = (notification: NewNotification) => ({ notification });

  it('takes what its recipients chose to digest, each into its period in their zone, and leaves the rest in order', async () => {
    const hourly = comment('a', '2026-12-01T10:20:00Z');
    const daily = comment('b', '2026-12-01T03:00:00Z');
    const immediate = comment('c', '2026-12-01T10:20:00Z');
    const like = comment('a', '2026-12-01T10:20:00Z', { kind: 'like' });
    const inAcme = comment('a', '2026-12-01T10:40:00Z', { workspaceId: 'acme' });
    const { store, added } = scripted({
      deliveries: [
        { userId: 'a', kind: 'comment', delivery: 'hourly_digest' },
        { userId: 'b', kind: 'comment', delivery: 'daily_digest' },
      ],
      timeZones: [{ userId: 'b', timeZone: 'America/New_York' }],
    });
    const batch = [hourly, immediate, daily, like, inAcme].map(wrap);
    const { rest, digested } = await takeDigested(batch, { store, kinds: DEFAULT_KINDS, retry });
    expect(rest.map((item) => item.notification)).toEqual([immediate, like]);
    expect(digested.map((item) => item.notification)).toEqual([hourly, daily, inAcme]);
    expect(added[0]!.map((item) => [item.notification.id, item.period.workspaceId, iso(item.period.start), iso(item.period.end)])).toEqual([
      [hourly.id, null, '2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z'],
      // 22:00 on 30 November in New York.
      [daily.id, null, '2026-11-30T05:00:00.000Z', '2026-12-01T05:00:00.000Z'],
      [inAcme.id, 'acme', '2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z'],
    ]);
  });

  it('follows a kind whose default is a digest, never digests a critical kind or a summary, and keeps an id already digested digested', async () => {
    const kinds: KindTable = new Map([...DEFAULT_KINDS, ['invoice.paid', { inApp: true, delivery: 'daily_digest', critical: false }]]);
    const invoice = comment('a', '2026-12-01T10:00:00Z', { kind: 'invoice.paid' });
    const system = comment('a', '2026-12-01T10:00:00Z', { kind: 'system', senderId: null });
    const summary = buildSummary({
      period: { recipientId: 'a', workspaceId: null, kind: 'comment', delivery: 'hourly_digest', start: new Date('2026-12-01T09:00:00Z'), end: new Date('2026-12-01T10:00:00Z') },
      total: 1,
      items: [{ id: randomUUID(), senderId: '3', message: 'm', link: null, createdAt: new Date('2026-12-01T09:30:00Z') }],
    });
    const redelivered = comment('a', '2026-12-01T10:00:00Z');
    const { store, added } = scripted({
      deliveries: [
        { userId: 'a', kind: 'system', delivery: 'daily_digest' },
        { userId: 'a', kind: 'comment', delivery: 'hourly_digest' },
      ],
      digested: [redelivered.id],
    });
    const { rest, digested } = await takeDigested([invoice, system, summary, redelivered].map(wrap), { store, kinds, retry });
    expect(rest.map((item) => item.notification)).toEqual([system, summary]);
    expect(digested.map((item) => item.notification)).toEqual([invoice, redelivered]);
    // The redelivered one is kept already: only the invoice is added.
    expect(added).toEqual([[{ notification: invoice, period: periodOf({ recipientId: 'a', workspaceId: null, kind: 'invoice.paid' }, 'daily_digest', invoice.createdAt, 'UTC') }]]);
  });

  it('asks the store nothing for a batch of critical kinds, and adds nothing when no one digests', async () => {
    const critical = scripted();
    await takeDigested([comment('a', '2026-12-01T10:00:00Z', { kind: 'system', senderId: null })].map(wrap), { store: critical.store, kinds: DEFAULT_KINDS, retry });
    expect(critical.calls).toEqual([]);
    const none = scripted();
    const batch = [comment('a', '2026-12-01T10:00:00Z')].map(wrap);
    expect(await takeDigested(batch, { store: none.store, kinds: DEFAULT_KINDS, retry })).toEqual({ rest: batch, digested: [] });
    expect(none.calls).toEqual(['routing']);
  });
});
