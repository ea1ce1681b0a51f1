import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeActivity, type ActivityAction } from '../../src/notifications/activity-event.js';
import { encodeEvent } from '../../src/notifications/event.js';
import type { NotificationKind } from '../../src/notifications/notification.js';
import { candidateKeys, foldBatch, readMessages, type BatchFold } from '../../src/stats/fold.js';
import type { PartitionPosition } from '../../src/stats/ports.js';
import { lowWatermark } from '../../src/stats/queries.js';
import type { StatsSource } from '../../src/stats/stats-event.js';
import { quantiles, addTimes } from '../../src/stats/time-to-read.js';
import { isClosedBy, lastClosedEnd, windowStart } from '../../src/windows.js';
import { newNotification } from './fixtures.js';

const GRACE = 5 * 60_000;
const at = (hhmmss: string) => new Date(`2030-01-01T${hhmmss}.000Z`);

const sent = (id: string, time: string, kind: NotificationKind = 'like', from: string | null = 'alice', to = 'bob') =>
  Buffer.from(encodeEvent(newNotification({ id, createdAt: at(time), kind, senderId: kind === 'system' ? null : from, recipientId: to })).value);
const activity = (action: ActivityAction, notificationId: string, time: string, createdAt: string, kind: NotificationKind = 'like') =>
  Buffer.from(encodeActivity({ id: randomUUID(), action, userId: 'bob', notificationId, kind, notificationCreatedAt: at(createdAt), at: at(time) }).value);

function fold(source: StatsSource, values: (Buffer | null)[], position: PartitionPosition | null = null, counted: string[] = [], firstOffset = 0): BatchFold {
  const messages = readMessages(source, values.map((value, index) => ({ offset: String(firstOffset + index), value })));
  return foldBatch({ topic: 't', partition: 0, graceMs: GRACE, messages }, position, new Set(counted));
}

const figures = (result: BatchFold, granularity: string) =>
  result.windows
    .filter((w) => w.granularity === granularity)
    .map(({ start, kind, sent: s, read, archived, late, timesToReadMs }) => ({ start: start.toISOString().slice(11, 16), kind, sent: s, read, archived, late, timesToReadMs }))
    .sort((a, b) => a.start.localeCompare(b.start) || a.kind.localeCompare(b.kind));

const [n1, n2, n3, n4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

describe('windows', () => {
  it('are tumbling and UTC, and close at end plus grace', () => {
    expect(windowStart('minute', at('10:00:59')).toISOString()).toBe('2030-01-01T10:00:00.000Z');
    expect(windowStart('hour', at('10:59:59')).toISOString()).toBe('2030-01-01T10:00:00.000Z');
    expect(windowStart('day', at('23:59:59')).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(isClosedBy(at('10:05:59'), 'minute', at('10:00:00'), GRACE)).toBe(false);
    expect(isClosedBy(at('10:06:00'), 'minute', at('10:00:00'), GRACE)).toBe(true);
    expect(isClosedBy(null, 'minute', at('10:00:00'), GRACE)).toBe(false);
    expect(lastClosedEnd('minute', at('10:06:30'), GRACE)?.toISOString()).toBe('2030-01-01T10:01:00.000Z');
    expect(lowWatermark([])).toBeNull();
    const position = (watermark: Date | null): PartitionPosition => ({ topic: 't', partition: 0, nextOffset: '1', watermark, replay: null });
    expect(lowWatermark([position(at('10:00:00')), position(null)])).toBeNull();
    expect(lowWatermark([position(at('10:00:00')), position(at('09:00:00'))])).toEqual(at('09:00:00'));
  });
});

describe('folding a batch', () => {
  it('counts sent per kind and window, ranks senders, recipients and kinds, and dedupes by notification id', () => {
    const result = fold('notifications', [sent(n1, '10:00:10'), sent(n2, '10:00:50', 'mention', 'carol', 'dan'), sent(n1, '10:00:10'), sent(n3, '10:01:05', 'system', null, 'bob')]);
    expect(figures(result, 'minute')).toEqual([
      { start: '10:00', kind: 'like', sent: 1, read: 0, archived: 0, late: 0, timesToReadMs: [] },
      { start: '10:00', kind: 'mention', sent: 1, read: 0, archived: 0, late: 0, timesToReadMs: [] },
      { start: '10:01', kind: 'system', sent: 1, read: 0, archived: 0, late: 0, timesToReadMs: [] },
    ]);
    expect(figures(result, 'hour').map((w) => [w.kind, w.sent])).toEqual([['like', 1], ['mention', 1], ['system', 1]]);
    const hourRanks = result.rankings.filter((r) => r.granularity === 'hour').map((r) => `${r.dimension}:${r.member}=${r.delta}`).sort();
    expect(hourRanks).toEqual(['kind:like=1', 'kind:mention=1', 'kind:system=1', 'recipient:bob=2', 'recipient:dan=1', 'sender:alice=1', 'sender:carol=1']);
    expect(result.counted.map((c) => c.key)).toEqual([`sent:${n1}`, `sent:${n2}`, `sent:${n3}`]);
    expect(result.position).toEqual({ topic: 't', partition: 0, nextOffset: '4', watermark: at('10:01:05'), replay: null });
    expect(result.applied).toBe(4);
  });

  it('accepts an out-of-order event within the grace, and counts one beyond it as late for that window only', () => {
    const result = fold('notifications', [sent(n1, '10:04:00'), sent(n2, '10:00:30'), sent(n3, '10:10:00'), sent(n4, '10:00:40')]);
    expect(figures(result, 'minute')).toEqual([
      { start: '10:00', kind: 'like', sent: 1, read: 0, archived: 0, late: 1, timesToReadMs: [] },
      { start: '10:04', kind: 'like', sent: 1, read: 0, archived: 0, late: 0, timesToReadMs: [] },
      { start: '10:10', kind: 'like', sent: 1, read: 0, archived: 0, late: 0, timesToReadMs: [] },
    ]);
    // The hour is open: the late minute's event counts there.
    expect(figures(result, 'hour')).toEqual([{ start: '10:00', kind: 'like', sent: 4, read: 0, archived: 0, late: 0, timesToReadMs: [] }]);
    expect(result.rankings.find((r) => r.granularity === 'minute' && r.dimension === 'recipient' && r.start.getTime() === at('10:00:00').getTime())?.delta).toBe(1);
  });

  it('counts the first read (time to read) and the first archive of a notification; other actions move the watermark only', () => {
    const result = fold('activity', [
      activity('seen', n1, '10:01:00', '10:00:00'),
      activity('read', n1, '10:01:30', '10:00:00'),
      activity('unread', n1, '10:01:40', '10:00:00'),
      activity('read', n1, '10:01:50', '10:00:00'),
      activity('read', n2, '10:01:55', '10:01:52', 'mention'),
      activity('archived', n2, '10:02:00', '10:01:52', 'mention'),
    ]);
    expect(figures(result, 'minute')).toEqual([
      { start: '10:01', kind: 'like', sent: 0, read: 1, archived: 0, late: 0, timesToReadMs: [90_000] },
      { start: '10:01', kind: 'mention', sent: 0, read: 1, archived: 0, late: 0, timesToReadMs: [3000] },
      { start: '10:02', kind: 'mention', sent: 0, read: 0, archived: 1, late: 0, timesToReadMs: [] },
    ]);
    expect(result.rankings).toEqual([]);
  });

  it('skips what the stored position says was counted, and keys counted before', () => {
    const values = [sent(n1, '10:00:10'), sent(n2, '10:00:20'), sent(n3, '10:00:30')];
    const position: PartitionPosition = { topic: 't', partition: 0, nextOffset: '2', watermark: at('10:00:20'), replay: null };
    const result = fold('notifications', values, position);
    expect(result.applied).toBe(1);
    expect(figures(result, 'minute').map((w) => w.sent)).toEqual([1]);
    expect(fold('notifications', [sent(n1, '10:00:10')], null, [`sent:${n1}`]).windows).toEqual([]);
    expect(candidateKeys(readMessages('notifications', values.map((value, offset) => ({ offset: String(offset), value }))))).toEqual([`sent:${n1}`, `sent:${n2}`, `sent:${n3}`]);
  });

  it('counts nothing from a batch that starts after the stored position, and says where to read from', () => {
    const position: PartitionPosition = { topic: 't', partition: 0, nextOffset: '3', watermark: null, replay: null };
    const result = fold('notifications', [sent(n1, '10:00:10')], position, [], 7);
    expect(result).toMatchObject({ seekTo: '3', windows: [], counted: [], applied: 0, position });
  });

  it('counts a batch past the stored position when the events between are gone from the log (retention)', () => {
    const position: PartitionPosition = { topic: 't', partition: 0, nextOffset: '3', watermark: null, replay: null };
    const messages = readMessages('notifications', [{ offset: '7', value: sent(n1, '10:00:10') }]);
    const result = foldBatch({ topic: 't', partition: 0, graceMs: GRACE, messages, logStart: '7' }, position, new Set());
    expect(result.seekTo).toBeNull();
    expect(result.position.nextOffset).toBe('8');
    expect(figures(result, 'minute').map((w) => w.sent)).toEqual([1]);
  });

  it('keeps unreadable messages out of the figures but moves past them', () => {
    const result = fold('notifications', [Buffer.from('not json'), sent(n1, '10:00:10')]);
    expect(result.unreadable).toEqual([{ offset: '0', error: 'value is not JSON' }]);
    expect(result.position.nextOffset).toBe('2');
  });

  it('in a replay, keeps what was counted before its date, and takes the watermark back at its end', () => {
    const position: PartitionPosition = { topic: 't', partition: 0, nextOffset: '0', watermark: null, replay: { until: '2', from: at('10:00:00'), resumeWatermark: at('10:30:00') } };
    const result = fold('notifications', [sent(n1, '09:59:00'), sent(n2, '10:00:10'), sent(n3, '10:00:20')], position);
    expect(figures(result, 'minute')).toEqual([{ start: '10:00', kind: 'like', sent: 1, read: 0, archived: 0, late: 1, timesToReadMs: [] }]);
    expect(result.position).toEqual({ topic: 't', partition: 0, nextOffset: '3', watermark: at('10:30:00'), replay: null });
  });
});

describe('time to read', () => {
  it('keeps an encoded HdrHistogram that grows across batches and merges across kinds', () => {
    const a = addTimes(addTimes(null, [1000, 2000]), [3000]);
    const b = addTimes(null, [500]);
    expect(quantiles([a])).toEqual({ medianMs: 2000, p90Ms: 3001 });
    expect(quantiles([a, b, null])).toEqual({ medianMs: 1000, p90Ms: 3001 });
    expect(quantiles([null])).toEqual({ medianMs: null, p90Ms: null });
  });
});
