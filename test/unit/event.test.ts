import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/notifications/event.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import { DATA_MAX_BYTES } from '../../src/notifications/validation.js';
import { newNotification } from './fixtures.js';

/** The JSON object `encodeEvent` writes for `notification`, to be altered by a test. */
function eventOf(notification: NewNotification = newNotification()): Record<string, unknown> {
  return JSON.parse(encodeEvent(notification).value) as Record<string, unknown>;
}

function decodeObject(event: Record<string, unknown>) {
  return decodeEvent(JSON.stringify(event));
}

function expectRejected(value: Buffer | string | null, pattern: RegExp) {
  const result = decodeEvent(value);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error).toMatch(pattern);
}

describe('encodeEvent / decodeEvent', () => {
  it('round-trips every field, the date to the millisecond', () => {
    const original = newNotification({
      data: { nested: { list: [1, 'two', true, null] }, unicode: 'héllo ✓' },
      link: 'https://example.com/a?b=c',
      createdAt: new Date('2023-12-31T23:59:59.999Z'),
    });
    const { value } = encodeEvent(original);
    const result = decodeEvent(Buffer.from(value, 'utf8'));
    expect(result).toEqual({ ok: true, notification: original });
    if (result.ok) expect(result.notification.createdAt.getTime()).toBe(original.createdAt.getTime());
  });

  it('round-trips a SYSTEM notification with a null sender, no link and no data', () => {
    const original = newNotification({ senderId: null, kind: 'system', link: null, data: null });
    expect(decodeEvent(encodeEvent(original).value)).toEqual({ ok: true, notification: original });
  });

  it('round-trips a relative link and JSON data that is not an object', () => {
    for (const data of [[1, 2, 3], 'text', 0, false]) {
      const original = newNotification({ link: '/inbox', data });
      expect(decodeEvent(encodeEvent(original).value)).toEqual({ ok: true, notification: original });
    }
  });

  it('keys the event by the recipient id and writes the versioned wire form', () => {
    const notification = newNotification({ senderId: 'carol', recipientId: 'dave' });
    const { key, value } = encodeEvent(notification);
    expect(key).toBe('dave');
    expect(JSON.parse(value)).toEqual({
      v: 1,
      id: notification.id,
      from: 'carol',
      to: 'dave',
      kind: 'like',
      message: notification.message,
      link: notification.link,
      data: notification.data,
      createdAt: '2024-05-06T07:08:09.123Z',
    });
  });

  it('treats an absent link and data as null', () => {
    const event = eventOf();
    delete event.link;
    delete event.data;
    const result = decodeObject(event);
    expect(result.ok && result.notification.link).toBeNull();
    expect(result.ok && result.notification.data).toBeNull();
  });

  it('accepts a timestamp with a non-UTC offset and reads the right instant', () => {
    const result = decodeObject({ ...eventOf(), createdAt: '2024-05-06T09:08:09.123+02:00' });
    expect(result.ok && result.notification.createdAt.toISOString()).toBe('2024-05-06T07:08:09.123Z');
  });

  it('rejects a null value (a tombstone)', () => {
    expectRejected(null, /tombstone/);
  });

  it.each([['not json'], ['{"v":1,'], [''], [Buffer.from([0xff, 0xfe, 0x00])]])('rejects a value that is not JSON: %j', (value) => {
    expectRejected(value, /^value is not JSON$/);
  });

  it.each([
    ['a JSON string', '"hello"'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('rejects %s', (_name, value) => {
    expectRejected(value, /^invalid event: value:/);
  });

  it.each([[0], [3], ['1'], [null]])('rejects version %j', (v) => {
    expectRejected(JSON.stringify({ ...eventOf(), v }), /^invalid event: v:/);
  });

  it.each([
    ['not a uuid', 'not-a-uuid'],
    ['uppercase', '0000000A-0000-4000-8000-000000000001'],
    ['too short', '00000000-0000-4000-8000-00000000001'],
    ['a number', 42],
  ])('rejects an id that is %s', (_name, id) => {
    expectRejected(JSON.stringify({ ...eventOf(), id }), /^invalid event: id:/);
  });

  it.each(['v', 'id', 'from', 'to', 'kind', 'message', 'createdAt'])('rejects an event without %s', (field) => {
    const event = eventOf();
    delete event[field];
    expectRejected(JSON.stringify(event), new RegExp(`^invalid event: ${field}:`));
  });

  it.each([
    ['to', 'bad id with spaces'],
    ['from', ''],
    ['message', ''],
    ['createdAt', 'yesterday'],
    ['createdAt', '2024-05-06T07:08:09'],
    ['link', 'x'.repeat(2049)],
  ])('rejects %s = %j', (field, value) => {
    // The schema names the field "field:"; the shared rules say "field must…".
    expectRejected(JSON.stringify({ ...eventOf(), [field]: value }), new RegExp(`^invalid event: ${field}[: ]`));
  });

  it('rejects a message the API would refuse: blank, or over 100,000 characters', () => {
    expectRejected(JSON.stringify({ ...eventOf(), message: '   ' }), /^invalid event: message must not be empty/);
    expectRejected(JSON.stringify({ ...eventOf(), message: 'x'.repeat(100_001) }), /^invalid event: message is longer than 100000 characters/);
  });

  it('rejects in version 1 a kind other than the five it knew, and an upper-case one', () => {
    expectRejected(JSON.stringify({ ...eventOf(), kind: 'poke' }), /^invalid event: kind:/);
    expectRejected(JSON.stringify({ ...eventOf(), kind: 'LIKE' }), /^invalid event: kind:/);
  });

  describe('version 2', () => {
    const v2 = newNotification({
      kind: 'invoice.paid',
      groupKey: 'invoice-7:paid',
      actions: [
        { label: 'Open', url: '/invoices/7', key: null },
        { label: 'Archive', url: null, key: 'invoice.archive' },
      ],
      workspaceId: 'acme',
    });

    it('is written for a kind of a team\'s own, and round-trips the group, the actions and the workspace', () => {
      const { value } = encodeEvent(v2);
      expect(JSON.parse(value)).toMatchObject({ v: 2, kind: 'invoice.paid', group: 'invoice-7:paid', workspace: 'acme' });
      expect(decodeEvent(value)).toEqual({ ok: true, notification: v2 });
    });

    it('is written for a seeded kind only when a version 2 field is used; version 1 otherwise', () => {
      expect(JSON.parse(encodeEvent(newNotification()).value).v).toBe(1);
      expect(JSON.parse(encodeEvent(newNotification({ groupKey: 'post-7:like' })).value).v).toBe(2);
      expect(JSON.parse(encodeEvent(newNotification({ workspaceId: 'acme' })).value).v).toBe(2);
      expect(JSON.parse(encodeEvent(newNotification({ actions: [{ label: 'Go', url: '/x', key: null }] })).value).v).toBe(2);
    });

    it('reads absent optional fields as none', () => {
      const original = newNotification({ kind: 'pr.review_requested' });
      const event = { ...eventOf(original), v: 2 };
      expect(decodeObject(event)).toEqual({ ok: true, notification: { ...original, groupKey: null, actions: [], workspaceId: null } });
    });

    it.each([
      ['an upper-case kind', { kind: 'Invoice.Paid' }, /^invalid event: kind:/],
      ['a kind with spaces', { kind: 'invoice paid' }, /^invalid event: kind:/],
      ['three actions', { actions: [1, 2, 3].map((n) => ({ label: `b${n}`, key: `k${n}` })) }, /^invalid event: actions:/],
      ['an action with both url and key', { actions: [{ label: 'Go', url: '/x', key: 'go' }] }, /exactly one of url and key/],
      ['an action with neither', { actions: [{ label: 'Go' }] }, /exactly one of url and key/],
      ['a blank label', { actions: [{ label: '  ', key: 'go' }] }, /label must be 1-40 characters/],
      ['an unsafe action URL', { actions: [{ label: 'Go', url: 'javascript:alert(1)' }] }, /actions\.0\.url/],
      ['a group key with spaces', { group: 'post 7' }, /^invalid event: group:/],
      ['a malformed workspace', { workspace: 'acme corp' }, /^invalid event: workspace:/],
    ])('rejects %s', (_name, change, pattern) => {
      expectRejected(JSON.stringify({ ...eventOf(), v: 2, ...change }), pattern);
    });
  });

  it.each([
    ['the message', { message: 'hi\u0000there' }],
    ['the link', { link: '/posts/\u0000' }],
    ['a data value', { data: { a: 'x\u0000' } }],
    ['a nested data value', { data: { a: [{ b: ['ok', 'no\u0000'] }] } }],
    ['a data key', { data: { 'k\u0000': 1 } }],
    ['a nested data key', { data: { a: { ['\u0000']: true } } }],
  ])('rejects the NUL character in %s', (_where, change) => {
    expectRejected(JSON.stringify({ ...eventOf(), ...change }), /NUL character/);
  });

  it('rejects a NUL character written as a JSON escape', () => {
    const value = encodeEvent(newNotification({ message: 'plain' })).value.replace('"plain"', '"pl\\u0000ain"');
    expect(value).toContain('\\u0000');
    expectRejected(value, /NUL character/);
  });

  it.each([
    ['the message', '"message":"lone \\ud800 here"'],
    ['a data value', '"data":{"x":"\\ud800"}'],
    ['a data key', '"data":{"\\udc00":1}'],
  ])('rejects a lone surrogate (as another producer could write it) in %s', (_where, field) => {
    const event = eventOf();
    delete event.message;
    delete event.data;
    const value = `${JSON.stringify(event).slice(0, -1)},${field.includes('message') ? field : `"message":"hi",${field}`}}`;
    expectRejected(value, /well-formed Unicode/);
  });

  it('rejects data nested deeper than 32 levels without overflowing the stack, and accepts 32', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const withData = (data: string) => JSON.stringify({ ...eventOf(), data: null }).replace('"data":null', `"data":${data}`);
    expectRejected(withData(nested(2500)), /deeper than 32/);
    expect(decodeEvent(withData(nested(32))).ok).toBe(true);
  });

  it(`accepts data of exactly ${DATA_MAX_BYTES} bytes and rejects one byte more`, () => {
    // JSON.stringify adds the two quotes around a string.
    const fits = 'a'.repeat(DATA_MAX_BYTES - 2);
    expect(decodeObject({ ...eventOf(), data: fits }).ok).toBe(true);
    const result = decodeObject({ ...eventOf(), data: `${fits}a` });
    expect(result).toEqual({ ok: false, reason: 'invalid', error: `invalid event: data is larger than ${DATA_MAX_BYTES} bytes` });
  });

  it('measures data in UTF-8 bytes, not characters', () => {
    // 'é' is 2 bytes: half the characters already exceed the limit.
    const result = decodeObject({ ...eventOf(), data: 'é'.repeat(DATA_MAX_BYTES / 2) });
    expect(result.ok).toBe(false);
  });

  // The API refuses such links (validation.assertLink); events from other producers must not bring them in.
  it('rejects a link that is neither http(s) nor a path (javascript:, data:, //host)', () => {
    const links = ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '//evil.example'];
    const accepted = links.filter((link) => decodeObject({ ...eventOf(), link }).ok);
    expect(accepted).toEqual([]);
  });
});
