/**
 * Issue 15, §3.2, on the real system in production mode: a sender learns nothing of a recipient
 * but that the send was accepted. `User.name` is told where `user(id)` would tell it (the user
 * themself, admin service tokens) and to the recipient of a notification, about its sender;
 * anyone else gets FORBIDDEN on the field, over HTTP, SSE and graphql-ws alike, one at a time or
 * in a batch. Each test's users are its own, with names no other test uses, so a name found
 * anywhere in an answer is a leak.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, sendOnlyToken, userToken } from '../support/auth.js';
import { graphqlData, sseSubscribe, wsClient, wsSubscribe, type GraphQLResponse } from '../support/graphql.js';
import { postGraphQL, sseFirst, type WireResult } from '../support/hostile.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) {
    sendNotification(input: $input) { id recipientId sender { id name } recipient { id name } }
  }
`;
const SEND_RECIPIENT_ONLY = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id recipient { id name } } }
`;
const SEND_ID = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id recipient { id name } } error { code } }
  }
`;
const USER = /* GraphQL */ `query User($id: ID!) { user(id: $id) { id name } }`;
const ADDED = /* GraphQL */ `
  subscription Added($after: String) {
    notificationAdded(after: $after) { id message sender { id name } recipient { id name } }
  }
`;
const INBOX = /* GraphQL */ `
  query Inbox { notifications(first: 10) { nodes { id message sender { id name } recipient { id name } } } }
`;

interface Person {
  id: string;
  name: string;
  token: string;
}

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ env: { NODE_ENV: 'production' } });
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await system?.dispose();
});

/** Users of this test alone, each with a name found nowhere else. */
async function people(count: number): Promise<Person[]> {
  const run = randomBytes(5).toString('hex');
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const id = `names-${run}-${i}`;
      const name = `Secret Name ${run} ${i}`;
      await graphqlData(system.url, 'mutation($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id } }', { id, name }, { token: adminToken });
      return { id, name, token: await userToken(id) };
    }),
  );
}

const note = (recipientId: string, message = 'hello') => ({ recipientId, kind: 'comment', message });

/** The one FORBIDDEN error on `path`, saying why. */
function expectNameForbidden(result: WireResult | null | undefined, path: (string | number)[]) {
  const errors = (result?.errors ?? []).filter((error) => JSON.stringify(error.path) === JSON.stringify(path));
  expect(errors, `errors at ${path.join('.')}: ${JSON.stringify(result?.errors)}`).toHaveLength(1);
  expect(errors[0]!.extensions?.code).toBe('FORBIDDEN');
  expect(errors[0]!.message).toBe("this token may not read that user's name");
}

describe('a user token sending to someone else', () => {
  it('over HTTP: the send is accepted and answered, the recipient is FORBIDDEN by name, as user(id) is', async () => {
    const [sender, recipient] = await people(2);
    const answer = await postGraphQL(system.url, { query: SEND, variables: { input: note(recipient!.id) } }, { token: sender!.token });
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain(recipient!.name);
    const data = answer.body?.data as { sendNotification: { id: string; recipientId: string; sender: { name: string }; recipient: null } };
    expect(data.sendNotification.id).toEqual(expect.any(String));
    expect(data.sendNotification.recipientId).toBe(recipient!.id);
    // Its own name, as the sender, it may read.
    expect(data.sendNotification.sender).toEqual({ id: sender!.id, name: sender!.name });
    // The recipient's name is not null but refused (so `recipient` is null), with a code.
    expect(data.sendNotification.recipient).toBeNull();
    expect(answer.body?.errors).toHaveLength(1);
    expectNameForbidden(answer.body, ['sendNotification', 'recipient', 'name']);

    // The same token asking for the same user directly: FORBIDDEN too.
    const lookup = await postGraphQL(system.url, { query: USER, variables: { id: recipient!.id } }, { token: sender!.token });
    expect(lookup.text).not.toContain(recipient!.name);
    expect(lookup.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('over HTTP, in one batch to three users: three accepted sends, three refusals of a name, no name', async () => {
    const [sender, ...recipients] = await people(4);
    const answer = await postGraphQL(system.url, { query: SEND_MANY, variables: { inputs: recipients.map((r) => note(r.id)) } }, { token: sender!.token });
    for (const recipient of recipients) expect(answer.text).not.toContain(recipient.name);
    const results = (answer.body?.data as { sendNotifications: { index: number; notification: { id: string; recipient: null } | null; error: null }[] })
      .sendNotifications;
    expect(results.map((result) => result.error)).toEqual([null, null, null]);
    expect(results.every((result) => typeof result.notification?.id === 'string' && result.notification.recipient === null)).toBe(true);
    expect(answer.body?.errors).toHaveLength(3);
    for (const index of [0, 1, 2]) expectNameForbidden(answer.body, ['sendNotifications', index, 'notification', 'recipient', 'name']);
  });

  it('over SSE: the same refusal, and no name', async () => {
    const [sender, recipient] = await people(2);
    const answer = await sseFirst(system.url, SEND_RECIPIENT_ONLY, { input: note(recipient!.id) }, { authorization: `Bearer ${sender!.token}` });
    expect(answer.contentType).toMatch(/^text\/event-stream/);
    expect(JSON.stringify(answer.first)).not.toContain(recipient!.name);
    expect((answer.first?.data as { sendNotification: { id: string; recipient: null } }).sendNotification).toMatchObject({ recipient: null });
    expectNameForbidden(answer.first, ['sendNotification', 'recipient', 'name']);
  });

  it('over WebSocket: the same refusal, and no name', async () => {
    const [sender, recipient] = await people(2);
    const client = wsClient(system.wsUrl, { token: sender!.token });
    try {
      let result: WireResult | undefined;
      for await (const next of client.iterate({ query: SEND_RECIPIENT_ONLY, variables: { input: note(recipient!.id) } })) {
        result = next as WireResult;
        break;
      }
      expect(JSON.stringify(result)).not.toContain(recipient!.name);
      expect((result?.data as { sendNotification: { id: string; recipient: null } }).sendNotification).toMatchObject({ recipient: null });
      expectNameForbidden(result, ['sendNotification', 'recipient', 'name']);
    } finally {
      await client.dispose();
    }
  });
});

describe('who may read a name', () => {
  it('a user sending to itself reads its own name as the recipient', async () => {
    const [self] = await people(1);
    const answer = await postGraphQL(system.url, { query: SEND, variables: { input: note(self!.id) } }, { token: self!.token });
    expect(answer.body?.errors).toBeUndefined();
    expect((answer.body?.data as { sendNotification: { recipient: unknown } }).sendNotification.recipient).toEqual({ id: self!.id, name: self!.name });
  });

  it('an admin service reads both names; a send-only service reads neither, as it may not look users up', async () => {
    const [sender, recipient] = await people(2);
    const input = { ...note(recipient!.id), senderId: sender!.id };
    const admin = await postGraphQL(system.url, { query: SEND, variables: { input } }, { token: await adminToken });
    expect(admin.body?.errors).toBeUndefined();
    expect(admin.body?.data).toMatchObject({
      sendNotification: { sender: { id: sender!.id, name: sender!.name }, recipient: { id: recipient!.id, name: recipient!.name } },
    });

    const sendOnly = await postGraphQL(system.url, { query: SEND, variables: { input } }, { token: await sendOnlyToken });
    expect(sendOnly.text).not.toContain(sender!.name);
    expect(sendOnly.text).not.toContain(recipient!.name);
    expect((sendOnly.body?.data as { sendNotification: { id: string } }).sendNotification.id).toEqual(expect.any(String));
    expectNameForbidden(sendOnly.body, ['sendNotification', 'sender', 'name']);
    expectNameForbidden(sendOnly.body, ['sendNotification', 'recipient', 'name']);
    const lookup = await postGraphQL(system.url, { query: USER, variables: { id: recipient!.id } }, { token: await sendOnlyToken });
    expect(lookup.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("a recipient reads who sent it a notification, and its own name, over HTTP, SSE and WebSocket", async () => {
    const [sender, recipient] = await people(2);
    const sent = await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND_ID, { input: note(recipient!.id, 'from a friend') }, { token: sender!.token });
    const expected = {
      id: sent.sendNotification.id,
      message: 'from a friend',
      sender: { id: sender!.id, name: sender!.name },
      recipient: { id: recipient!.id, name: recipient!.name },
    };

    // Replayed from the store after the start, so the feeds see it whenever it is stored.
    const overWs = wsClient(system.wsUrl, { token: recipient!.token });
    const wsFeed = wsSubscribe<{ notificationAdded: unknown }>(overWs, ADDED, { after: encodeCursor(0) });
    const sseFeed = await sseSubscribe<{ notificationAdded: unknown }>(system.url, ADDED, { after: encodeCursor(0) }, { token: recipient!.token });
    try {
      const [wsEvent, sseEvent] = await Promise.all([wsFeed.next(), sseFeed.next()]);
      for (const event of [wsEvent, sseEvent] as GraphQLResponse<{ notificationAdded: unknown }>[]) {
        expect(event.errors).toBeUndefined();
        expect(event.data?.notificationAdded).toEqual(expected);
      }
    } finally {
      await Promise.all([wsFeed.close(), sseFeed.close()]);
      await overWs.dispose();
    }

    const inbox = await graphqlData<{ notifications: { nodes: unknown[] } }>(system.url, INBOX, {}, { token: recipient!.token });
    expect(inbox.notifications.nodes).toEqual([expected]);
  });

  it('a user token naming a user it has never received from learns nothing, whatever the path', async () => {
    const [stranger, target] = await people(2);
    const self = stranger!.token;
    for (const query of [USER, 'query { users { id name } }']) {
      const answer = await postGraphQL(system.url, { query, variables: { id: target!.id } }, { token: self });
      expect(answer.text).not.toContain(target!.name);
      expect(answer.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
