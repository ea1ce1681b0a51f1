/**
 * A product team's own kinds end to end (issue 17), on the real broker and store, one system
 * started with a KINDS_FILE: the file's kind is registered at start; an admin registers
 * invoice.paid, which is then sent over GraphQL and REST and pushed on a graphql-ws subscription;
 * an unregistered kind is refused on both (its code and field); a raw event of an unregistered kind
 * goes to the dead-letter topic while a version 1 event behind it is stored; preferences list the
 * new kinds with their defaults, a registered critical kind cannot be muted, and a changed default
 * reaches a user who never chose otherwise. Every wait is on an event, none on a clock.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { encodeEvent } from '../../src/notifications/event.js';
import { adminToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USER = '2';
const KINDS = /* GraphQL */ `{ kinds { name description defaultDelivery critical createdAt updatedAt } }`;
const REGISTER = /* GraphQL */ `mutation Register($input: RegisterKindInput!) { registerKind(input: $input) { name description defaultDelivery critical } }`;
const SEND = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id kind } }`;
const ADDED = /* GraphQL */ `subscription Added($after: String) { notificationAdded(after: $after) { id kind message senderId } }`;
const PREFERENCES = /* GraphQL */ `{ preferences { kinds { kind inApp delivery critical } } }`;
const SET_PREFERENCES = /* GraphQL */ `mutation Set($input: PreferencesInput!) { setPreferences(input: $input) { kinds { kind inApp } } }`;

interface Added {
  notificationAdded: { id: string; kind: string; message: string; senderId: string | null };
}

let system: TestSystem;
const kafka = new Kafka({ brokers: testBrokers(), clientId: 'kinds-test', logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const dlqReader = kafka.consumer({ groupId: `kinds-dlq-reader-${Date.now()}` });

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinds-file-'));
  const kindsFile = join(dir, 'kinds.json');
  await writeFile(kindsFile, JSON.stringify({ kinds: [{ name: 'security.alert', description: 'A sign-in from a new device.', critical: true }] }));
  system = await startTestSystem({ env: { KINDS_FILE: kindsFile } });
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([producer.disconnect(), dlqReader.disconnect()]);
  await system?.dispose();
});

describe('your own kinds', () => {
  it('lists the seeded kinds and the KINDS_FILE kind to any caller; an admin registers one', async () => {
    const { kinds } = await graphqlData<{ kinds: { name: string; critical: boolean; defaultDelivery: string; description: string }[] }>(system.url, KINDS, {}, { token: userToken(USER) });
    expect(kinds.map((kind) => [kind.name, kind.critical])).toEqual([
      ['follow', false],
      ['mention', false],
      ['like', false],
      ['comment', false],
      ['system', true],
      ['security.alert', true],
    ]);
    expect(kinds.at(-1)).toMatchObject({ description: 'A sign-in from a new device.', defaultDelivery: 'IMMEDIATE' });

    const { registerKind } = await graphqlData(system.url, REGISTER, { input: { name: 'invoice.paid', description: 'An invoice was paid.' } });
    expect(registerKind).toEqual({ name: 'invoice.paid', description: 'An invoice was paid.', defaultDelivery: 'IMMEDIATE', critical: false });
    const refused = await graphql(system.url, REGISTER, { input: { name: 'Invoice Paid' } });
    expect(refused.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'name' })]);
  });

  it('sends a registered kind over GraphQL and REST, pushed live; an unregistered one is refused on both', async () => {
    const client = wsClient(system.wsUrl, { token: userToken(USER) });
    const live = wsSubscribe<Added>(client, ADDED, { after: encodeCursor(0) });
    try {
      // Read case-insensitively, and an enum literal as documents written against the old enum spell it.
      const { sendNotification } = await graphqlData<{ sendNotification: { id: string; kind: string } }>(system.url, SEND, {
        input: { recipientId: USER, senderId: '3', kind: 'Invoice.Paid', message: 'Invoice 7 was paid.' },
      });
      expect(sendNotification.kind).toBe('invoice.paid');
      const literal = await graphqlData<{ sendNotification: { kind: string } }>(
        system.url,
        `mutation { sendNotification(input: { recipientId: "${USER}", senderId: "3", kind: FOLLOW, message: "Rick follows you." }) { kind } }`,
      );
      expect(literal.sendNotification.kind).toBe('follow');
      const rest = await fetch(new URL('/v1/notifications', system.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${await adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recipientId: USER, senderId: '3', kind: 'invoice.paid', message: 'Invoice 8 was paid.' }),
      });
      expect(rest.status).toBe(201);

      const pushed = [(await live.next()).data?.notificationAdded, (await live.next()).data?.notificationAdded, (await live.next()).data?.notificationAdded];
      expect(pushed.map((n) => [n?.kind, n?.message])).toEqual([
        ['invoice.paid', 'Invoice 7 was paid.'],
        ['follow', 'Rick follows you.'],
        ['invoice.paid', 'Invoice 8 was paid.'],
      ]);
    } finally {
      await live.close();
      await client.dispose();
    }

    const unregistered = await graphql(system.url, SEND, { input: { recipientId: USER, senderId: '3', kind: 'nope.never', message: 'hi' } });
    expect(unregistered.errors?.map((e) => [e.extensions?.code, e.extensions?.field, e.message])).toEqual([['BAD_USER_INPUT', 'kind', expect.stringContaining('"nope.never" is not registered')]]);
    const restRefused = await fetch(new URL('/v1/notifications', system.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientId: USER, senderId: '3', kind: 'nope.never', message: 'hi' }),
    });
    expect(restRefused.status).toBe(400);
    expect(await restRefused.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kind', detail: expect.stringContaining('"nope.never" is not registered') });
    // A critical kind has no sender, and only a service sends one.
    const asUser = await graphql(system.url, SEND, { input: { recipientId: '3', kind: 'security.alert', message: 'hi' } }, { token: userToken(USER) });
    expect(asUser.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['FORBIDDEN', 'kind']]);
  });

  it('dead-letters a raw event of an unregistered kind; a version 1 event behind it is stored', async () => {
    const { topic } = system.handle;
    const client = wsClient(system.wsUrl, { token: userToken('4') });
    const live = wsSubscribe<Added>(client, ADDED, { after: encodeCursor(0) });
    const base = { senderId: '3', recipientId: '4', message: 'From another producer.', link: null, data: null, createdAt: new Date() };
    const unknown = encodeEvent({ ...base, id: '8a1e1c3a-8a4d-4c1e-9f59-0a4b8c2d7e10', kind: 'pr.review_requested' });
    const v1 = encodeEvent({ ...base, id: '8a1e1c3a-8a4d-4c1e-9f59-0a4b8c2d7e11', kind: 'mention' });
    expect([JSON.parse(unknown.value).v, JSON.parse(v1.value).v]).toEqual([2, 1]);

    const letters: { value: string; error: string }[] = [];
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const letter = new Promise<void>((resolve) => {
      void dlqReader.run({
        eachMessage: async ({ message }) => {
          letters.push({ value: message.value?.toString() ?? '', error: String(message.headers?.['x-error'] ?? '') });
          resolve();
        },
      });
    });
    try {
      await producer.connect();
      // One key, so one partition, in this order.
      await producer.send({ topic, acks: -1, messages: [unknown, v1] });
      expect((await live.next()).data?.notificationAdded).toMatchObject({ id: '8a1e1c3a-8a4d-4c1e-9f59-0a4b8c2d7e11', kind: 'mention' });
      await letter;
      expect(letters).toEqual([{ value: unknown.value, error: 'unknown kind "pr.review_requested": register it (registerKind or KINDS_FILE), then replay this dead letter' }]);
    } finally {
      await live.close();
      await client.dispose();
    }
  });

  it('lists the new kinds in preferences with their defaults; a registered critical kind cannot be muted; a changed default reaches the user', async () => {
    const asUser = { token: userToken(USER) };
    const { preferences } = await graphqlData<{ preferences: { kinds: { kind: string; inApp: boolean; delivery: string; critical: boolean }[] } }>(system.url, PREFERENCES, {}, asUser);
    expect(preferences.kinds.slice(5)).toEqual([
      { kind: 'security.alert', inApp: true, delivery: 'IMMEDIATE', critical: true },
      { kind: 'invoice.paid', inApp: true, delivery: 'IMMEDIATE', critical: false },
    ]);
    const mute = await graphql(system.url, SET_PREFERENCES, { input: { kinds: [{ kind: 'security.alert', inApp: false }] } }, asUser);
    expect(mute.errors?.map((e) => [e.extensions?.code, e.extensions?.field, e.message])).toEqual([['BAD_USER_INPUT', 'kinds', 'security.alert is critical: it cannot be muted']]);
    const unknown = await graphql(system.url, SET_PREFERENCES, { input: { kinds: [{ kind: 'nope.never', inApp: false }] } }, asUser);
    expect(unknown.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'kinds']]);

    await graphqlData(system.url, REGISTER, { input: { name: 'invoice.paid', description: 'An invoice was paid.', defaultDelivery: 'DAILY_DIGEST' } });
    const after = await graphqlData<{ preferences: { kinds: { kind: string; delivery: string }[] } }>(system.url, PREFERENCES, {}, asUser);
    expect(after.preferences.kinds.find((k) => k.kind === 'invoice.paid')?.delivery).toBe('DAILY_DIGEST');
  });
});
