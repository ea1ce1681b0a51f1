import { describe, expect, it } from 'vitest';
import { NotifyError } from '../../src/notifications/errors.js';
import type { NewNotification, User } from '../../src/notifications/notification.js';
import { createSender, SEND_BATCH_MAX, type SendAuthority, type SendInput } from '../../src/notifications/send.js';
import { NOTIFICATION_ID_PATTERN } from '../../src/notifications/validation.js';
import { CREATED_AT } from './fixtures.js';

const ANY: SendAuthority = { kind: 'any' };
const USERS: User[] = ['alice', 'bob', 'carol'].map((id) => ({ id, name: id.toUpperCase() }));

function setup({ failWith }: { failWith?: unknown } = {}) {
  const getUsersCalls: string[][] = [];
  const sent: NewNotification[][] = [];
  const sender = createSender({
    users: {
      getUsers: async (ids) => {
        getUsersCalls.push([...ids]);
        return USERS.filter((user) => ids.includes(user.id));
      },
    },
    producer: {
      send: async (items) => {
        sent.push([...items]);
        if (failWith !== undefined) throw failWith;
      },
    },
    messageMaxLength: 100,
    now: () => CREATED_AT,
  });
  return { sender, sent, getUsersCalls };
}

const like = (overrides: Partial<SendInput> = {}): SendInput => ({
  senderId: 'alice',
  recipientId: 'bob',
  kind: 'like',
  message: 'alice liked your post',
  ...overrides,
});

describe('createSender().sendMany', () => {
  it('builds each notification from its input, with a fresh id and the clock time', async () => {
    const { sender } = setup();
    const [result] = await sender.sendMany([like({ message: '  hi  ', link: '/posts/1', data: { postId: 1 } })], ANY);
    expect(result).toEqual({
      ok: true,
      notification: {
        id: expect.stringMatching(NOTIFICATION_ID_PATTERN),
        senderId: 'alice',
        recipientId: 'bob',
        kind: 'like',
        message: 'hi',
        link: '/posts/1',
        data: { postId: 1 },
        createdAt: CREATED_AT,
      },
    });
  });

  it('fails only the bad items, each with its code, and sends the good ones in ONE producer call', async () => {
    const { sender, sent, getUsersCalls } = setup();
    const results = await sender.sendMany([
      like({ message: 'first' }),
      like({ message: '   ' }),
      like({ recipientId: 'nobody' }),
      like({ senderId: 'ghost', recipientId: 'carol' }),
      like({ link: 'javascript:alert(1)' }),
      like({ message: 'last', recipientId: 'carol' }),
    ], ANY);

    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code}:${r.error.details.field}`))).toEqual([
      'ok',
      'BAD_USER_INPUT:message',
      'USER_NOT_FOUND:recipientId',
      'USER_NOT_FOUND:senderId',
      'BAD_USER_INPUT:link',
      'ok',
    ]);
    expect(results.every((r) => r.ok || r.error instanceof NotifyError)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((n) => n.message)).toEqual(['first', 'last']);
    expect(sent[0]).toEqual(results.flatMap((r) => (r.ok ? [r.notification] : [])));
    // Users are looked up once, for the items that passed validation.
    expect(getUsersCalls).toHaveLength(1);
    expect(new Set(getUsersCalls[0])).toEqual(new Set(['alice', 'bob', 'nobody', 'ghost', 'carol']));
  });

  it('does not call the producer when no item is good', async () => {
    const { sender, sent } = setup();
    const results = await sender.sendMany([like({ recipientId: 'nobody' }), like({ message: '' })], ANY);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(sent).toEqual([]);
  });

  it('turns every good item into KAFKA_UNAVAILABLE when the producer fails, keeping the bad items’ own errors', async () => {
    const { sender, sent } = setup({ failWith: new Error('broker down') });
    const results = await sender.sendMany([like(), like({ message: '' }), like({ recipientId: 'carol' })], ANY);
    expect(sent).toHaveLength(1);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['KAFKA_UNAVAILABLE', 'BAD_USER_INPUT', 'KAFKA_UNAVAILABLE']);
    const failure = results[0]!;
    expect(!failure.ok && failure.error.message).not.toContain('broker down');
  });

  it('passes a NotifyError from the producer through as it is', async () => {
    const error = new NotifyError('KAFKA_UNAVAILABLE', 'timed out waiting for acks');
    const { sender } = setup({ failWith: error });
    const [result] = await sender.sendMany([like()], ANY);
    expect(result).toEqual({ ok: false, error });
    expect(!result!.ok && result!.error).toBe(error);
  });

  it('requires a null sender for kind SYSTEM and looks up only the recipient', async () => {
    const { sender, sent, getUsersCalls } = setup();
    const results = await sender.sendMany([
      { senderId: null, recipientId: 'bob', kind: 'system', message: 'maintenance tonight' },
      { senderId: 'alice', recipientId: 'bob', kind: 'system', message: 'maintenance tonight' },
    ], ANY);
    expect(results[0]).toMatchObject({ ok: true, notification: { senderId: null, kind: 'system' } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', details: { field: 'senderId' } } });
    expect(sent[0]).toHaveLength(1);
    expect(getUsersCalls).toEqual([['bob']]);
  });

  it.each(['follow', 'mention', 'like', 'comment'] as const)('requires a sender for kind %s', async (kind) => {
    const { sender, sent } = setup();
    const [result] = await sender.sendMany([{ senderId: null, recipientId: 'bob', kind, message: 'hi' }], ANY);
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', details: { field: 'senderId' } } });
    expect(sent).toEqual([]);
  });

  it.each([
    ['a malformed sender id', { senderId: 'bad id' }, 'senderId'],
    ['a malformed recipient id', { recipientId: '' }, 'recipientId'],
    ['a message over the configured maximum', { message: 'x'.repeat(101) }, 'message'],
    ['data with a NUL', { data: { a: '\u0000' } }, 'data'],
    ['an empty idempotency key', { idempotencyKey: '' }, 'idempotencyKey'],
    ['an idempotency key of 256 characters', { idempotencyKey: 'k'.repeat(256) }, 'idempotencyKey'],
    ['an idempotency key with a NUL', { idempotencyKey: 'k\u0000' }, 'idempotencyKey'],
  ])('rejects %s as BAD_USER_INPUT', async (_name, change, field) => {
    const { sender, sent } = setup();
    const [result] = await sender.sendMany([like(change)], ANY);
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', details: { field } } });
    expect(sent).toEqual([]);
  });

  it(`takes ${SEND_BATCH_MAX} inputs and rejects ${SEND_BATCH_MAX + 1} before looking anything up`, async () => {
    const { sender, sent, getUsersCalls } = setup();
    const inputs = Array.from({ length: SEND_BATCH_MAX + 1 }, (_, i) => like({ message: `m${i}` }));
    await expect(sender.sendMany(inputs, ANY)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'inputs' } });
    await expect(sender.sendMany(inputs, ANY)).rejects.toBeInstanceOf(NotifyError);
    expect(getUsersCalls).toEqual([]);
    expect(sent).toEqual([]);

    const results = await sender.sendMany(inputs.slice(0, SEND_BATCH_MAX), ANY);
    expect(results.filter((r) => r.ok)).toHaveLength(SEND_BATCH_MAX);
    expect(sent).toHaveLength(1);
  });

  it('gives the same id across two calls with the same sender and idempotencyKey, and a new one without', async () => {
    const { sender } = setup();
    const first = await sender.sendOne(like({ idempotencyKey: 'order-7' }), ANY);
    const second = await sender.sendOne(like({ idempotencyKey: 'order-7' }), ANY);
    const otherSender = await sender.sendOne(like({ senderId: 'carol', idempotencyKey: 'order-7' }), ANY);
    const [plainA, plainB] = await Promise.all([sender.sendOne(like(), ANY), sender.sendOne(like(), ANY)]);
    expect(second.id).toBe(first.id);
    expect(otherSender.id).not.toBe(first.id);
    expect(plainA.id).not.toBe(plainB.id);
    expect(plainA.id).not.toBe(first.id);
  });
});

describe('createSender().sendOne', () => {
  it('returns the notification it sent', async () => {
    const { sender, sent } = setup();
    const notification = await sender.sendOne(like(), ANY);
    expect(sent).toEqual([[notification]]);
  });

  it.each([
    ['BAD_USER_INPUT', like({ message: '' }), {}],
    ['USER_NOT_FOUND', like({ recipientId: 'nobody' }), {}],
    ['KAFKA_UNAVAILABLE', like(), { failWith: new Error('down') }],
  ] as const)('throws the NotifyError (%s)', async (code, input, options) => {
    const { sender } = setup(options);
    const error = await sender.sendOne(input, ANY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyError);
    expect((error as NotifyError).code).toBe(code);
  });
});

describe('createSender() with a user authority', () => {
  const asAlice: SendAuthority = { kind: 'user', userId: 'alice' };

  it('sends as the user when senderId is left out, or names that same user', async () => {
    const { sender } = setup();
    const results = await sender.sendMany([like({ senderId: undefined }), like({ senderId: null }), like({ senderId: 'alice' })], asAlice);
    expect(results.map((r) => (r.ok ? r.notification.senderId : r.error.code))).toEqual(['alice', 'alice', 'alice']);
  });

  it('refuses another sender and SYSTEM with FORBIDDEN, item by item, and sends nothing for them', async () => {
    const { sender, sent } = setup();
    const results = await sender.sendMany(
      [like({ senderId: 'carol' }), { recipientId: 'bob', kind: 'system', message: 'hi' }, like({ senderId: undefined })],
      asAlice,
    );
    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code}:${String(r.error.details.field)}`))).toEqual([
      'FORBIDDEN:senderId',
      'FORBIDDEN:kind',
      'ok',
    ]);
    expect(sent.flat().map((n) => n.senderId)).toEqual(['alice']);
  });
});
