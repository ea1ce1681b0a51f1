/**
 * Workspaces' rules as plain functions (issue 17): which workspace a token's claim names, which
 * workspace an inbox operation and a send act in for each kind of caller, the ids an
 * idempotency key derives within a workspace, and the pub/sub delivering each inbox's events to
 * that inbox's feeds only.
 */
import { describe, expect, it } from 'vitest';
import { callerFromClaims } from '../../src/auth/verify-token.js';
import type { Caller } from '../../src/auth/caller.js';
import { NotifyError } from '../../src/notifications/errors.js';
import { newNotificationId } from '../../src/notifications/ids.js';
import { workspaceOf } from '../../src/notifications/send.js';
import { inboxOf, sendAuthority } from '../../src/schema/acting-for.js';
import type { InboxEvent } from '../../src/notifications/ports.js';
import { createInboxPubSub } from '../../src/pubsub/inbox-pubsub.js';
import { eventFromWire, eventToWire } from '../../src/pubsub/wire.js';
import { stored } from './fixtures.js';

const exp = Math.floor(Date.now() / 1000) + 600;
const expiresAt = new Date(exp * 1000);

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof NotifyError)) throw error;
    return `${error.code}:${String((error.details as { field?: string } | undefined)?.field)}`;
  }
};

describe('the workspace claim', () => {
  it('puts a user token and a service token in the workspace org_id names, and none without it', () => {
    expect(callerFromClaims({ sub: 'alice', exp, org_id: 'org_2abc' })).toEqual({ kind: 'user', userId: 'alice', workspaceId: 'org_2abc', expiresAt });
    expect(callerFromClaims({ sub: 'billing', exp, scope: 'notifications:send', org_id: 'acme' })).toMatchObject({ kind: 'service', workspaceId: 'acme' });
    expect(callerFromClaims({ sub: 'alice', exp, org_id: null })).toEqual({ kind: 'user', userId: 'alice', expiresAt });
    // Another claim names nothing, unless configured to.
    expect(callerFromClaims({ sub: 'alice', exp, tenant: 'acme' })).toEqual({ kind: 'user', userId: 'alice', expiresAt });
    expect(callerFromClaims({ sub: 'alice', exp, tenant: 'acme' }, { workspaceClaim: 'tenant' })).toMatchObject({ workspaceId: 'acme' });
    expect(callerFromClaims({ sub: 'alice', exp, 'https://example.com/org': 'acme' }, { workspaceClaim: 'https://example.com/org' })).toMatchObject({ workspaceId: 'acme' });
  });

  it.each([
    ['a number', 42],
    ['a list', ['acme']],
    ['an object', { id: 'acme' }],
    ['blank', ''],
    ['a space', 'acme corp'],
    ['65 characters', 'a'.repeat(65)],
    ['a leading dash', '-acme'],
    ['a NUL', 'acme\u0000'],
  ])('refuses a token whose org_id is %s', (_name, value) => {
    expect(() => callerFromClaims({ sub: 'alice', exp, org_id: value })).toThrow(/^the token's org_id claim is not a workspace id$/);
    expect(() => callerFromClaims({ sub: 'svc', exp, scope: 'notifications:admin', org_id: value })).toThrow(/org_id/);
  });
});

describe('the workspace an inbox operation acts in', () => {
  const user = (workspaceId?: string): Caller => ({ kind: 'user', userId: '2', ...(workspaceId && { workspaceId }), expiresAt });
  const admin = (workspaceId?: string): Caller => ({ kind: 'service', subject: 'svc', canSend: true, isAdmin: true, ...(workspaceId && { workspaceId }), expiresAt });

  it("is a token's own by default, and no other may be named", () => {
    expect(inboxOf(user('acme'), {})).toEqual({ userId: '2', workspaceId: 'acme' });
    expect(inboxOf(user('acme'), { workspaceId: 'acme' })).toEqual({ userId: '2', workspaceId: 'acme' });
    expect(codeOf(() => inboxOf(user('acme'), { workspaceId: 'globex' }))).toBe('FORBIDDEN:workspaceId');
    expect(inboxOf(user(), {})).toEqual({ userId: '2', workspaceId: null });
    expect(codeOf(() => inboxOf(user(), { workspaceId: 'acme' }))).toBe('FORBIDDEN:workspaceId');
    // A service confined to a workspace likewise; one without names any, or none.
    expect(codeOf(() => inboxOf(admin('acme'), { userId: '2', workspaceId: 'globex' }))).toBe('FORBIDDEN:workspaceId');
    expect(inboxOf(admin('acme'), { userId: '2' })).toEqual({ userId: '2', workspaceId: 'acme' });
    expect(inboxOf(admin(), { userId: '2', workspaceId: 'globex' })).toEqual({ userId: '2', workspaceId: 'globex' });
    expect(inboxOf(admin(), { userId: '2' })).toEqual({ userId: '2', workspaceId: null });
  });

  it('refuses a workspace id that is not one, with the field, whoever names it', () => {
    expect(codeOf(() => inboxOf(admin(), { userId: '2', workspaceId: 'acme corp' }))).toBe('BAD_USER_INPUT:workspaceId');
    expect(codeOf(() => inboxOf(user('acme'), { workspaceId: '' }))).toBe('BAD_USER_INPUT:workspaceId');
  });

  it('sends within the same workspace the inbox rules give', () => {
    expect(workspaceOf({}, sendAuthority(user('acme')))).toBe('acme');
    expect(codeOf(() => workspaceOf({ workspaceId: 'globex' }, sendAuthority(user('acme'))))).toBe('FORBIDDEN:workspaceId');
    expect(workspaceOf({}, sendAuthority(user()))).toBeNull();
    expect(codeOf(() => workspaceOf({ workspaceId: 'acme' }, sendAuthority(user())))).toBe('FORBIDDEN:workspaceId');
    expect(workspaceOf({ workspaceId: 'globex' }, sendAuthority(admin()))).toBe('globex');
    expect(codeOf(() => workspaceOf({ workspaceId: 'globex' }, sendAuthority(admin('acme'))))).toBe('FORBIDDEN:workspaceId');
    expect(codeOf(() => workspaceOf({ workspaceId: 'acme corp' }, sendAuthority(admin())))).toBe('BAD_USER_INPUT:workspaceId');
  });
});

describe('ids derived within a workspace', () => {
  it('are one per workspace for the same key, and unchanged outside any', () => {
    const none = newNotificationId('1', '2', 'weekly');
    expect(newNotificationId('1', '2', 'weekly', null)).toBe(none);
    const acme = newNotificationId('1', '2', 'weekly', 'acme');
    expect(acme).not.toBe(none);
    expect(newNotificationId('1', '2', 'weekly', 'acme')).toBe(acme);
    expect(newNotificationId('1', '2', 'weekly', 'globex')).not.toBe(acme);
    expect(newNotificationId(null, '2', 'weekly', 'acme')).not.toBe(acme);
  });
});

describe('the pub/sub, per inbox', () => {
  it("delivers an inbox's events to its feeds only, and a resync to every feed as its own", async () => {
    const pubsub = await createInboxPubSub();
    const feeds = {
      acme: pubsub.subscribeInbox({ userId: '2', workspaceId: 'acme' })[Symbol.asyncIterator](),
      globex: pubsub.subscribeInbox({ userId: '2', workspaceId: 'globex' })[Symbol.asyncIterator](),
      none: pubsub.subscribeInbox('2')[Symbol.asyncIterator](),
    };
    const inAcme = stored(1, { recipientId: '2', workspaceId: 'acme' });
    pubsub.publishAdded(inAcme);
    pubsub.publishChanged({ userId: '2', action: 'all_read', ids: [], notifications: [] });
    pubsub.publishChanged({ userId: '2', workspaceId: 'globex', action: 'all_seen', ids: [], notifications: [] });
    // Each feed's first event is its own inbox's: none of another's came before it.
    expect((await feeds.acme.next()).value).toMatchObject({ userId: '2', workspaceId: 'acme', action: 'added', ids: [inAcme.id] });
    expect((await feeds.none.next()).value).toEqual({ userId: '2', action: 'all_read', ids: [], notifications: [] });
    expect((await feeds.globex.next()).value).toMatchObject({ workspaceId: 'globex', action: 'all_seen' });
    await Promise.all(Object.values(feeds).map((feed) => feed.return?.()));
    await pubsub.stop();
  });

  it('carries the workspace of an event and of its notifications across Redis, and reads one without as outside any', () => {
    const event: InboxEvent = { userId: '2', workspaceId: 'acme', action: 'added', ids: ['x'], notifications: [stored(1, { recipientId: '2', workspaceId: 'acme' })] };
    const back = eventFromWire(JSON.parse(JSON.stringify(eventToWire(event))) as ReturnType<typeof eventToWire>);
    expect(back.workspaceId).toBe('acme');
    expect(back.notifications[0]?.workspaceId).toBe('acme');
    const older = eventFromWire(JSON.parse(JSON.stringify(eventToWire({ ...event, workspaceId: undefined }))) as ReturnType<typeof eventToWire>);
    expect(older.workspaceId ?? null).toBeNull();
  });
});
