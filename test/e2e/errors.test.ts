/** Wrong input gets a GraphQL error with a code and nothing internal; a down broker gets KAFKA_UNAVAILABLE. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;

const send = (system: TestSystem, input: Record<string, unknown>) =>
  graphql<{ sendNotification: { id: string } }>(system.url, SEND, { input });

const valid = { senderId: '1', recipientId: '2', kind: 'follow', message: 'Emma started following you.' };

function expectCleanError(result: Awaited<ReturnType<typeof graphql>>, code: string) {
  expect(result.errors, JSON.stringify(result)).toHaveLength(1);
  const [error] = result.errors!;
  expect(error!.extensions?.code).toBe(code);
  const text = JSON.stringify(result);
  for (const leak of ['stack', 'originalError', 'at async', '.ts:', 'node_modules', 'Kafka', 'SELECT']) {
    if (code === 'KAFKA_UNAVAILABLE' && leak === 'Kafka') continue;
    expect(text).not.toContain(leak);
  }
}

describe('errors on a running system', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('rejects an unknown recipient with USER_NOT_FOUND', async () => {
    const result = await send(system, { ...valid, recipientId: '999' });
    expectCleanError(result, 'USER_NOT_FOUND');
    expect(result.errors![0]!.extensions?.field).toBe('recipientId');
  });

  it('rejects an unknown sender with USER_NOT_FOUND', async () => {
    expectCleanError(await send(system, { ...valid, senderId: '998' }), 'USER_NOT_FOUND');
  });

  it.each([
    ['an empty message', { message: '   ' }, 'message'],
    ['an over-long message', { message: 'x'.repeat(2001) }, 'message'],
    ['a malformed recipient id', { recipientId: 'two words' }, 'recipientId'],
    ['a malformed sender id', { senderId: '' }, 'senderId'],
    ['a link that is not http(s)', { link: 'javascript:alert(1)' }, 'link'],
    ['a sender on a SYSTEM notification', { kind: 'system' }, 'senderId'],
  ])('rejects %s with BAD_USER_INPUT', async (_name, change, field) => {
    const result = await send(system, { ...valid, ...change });
    expectCleanError(result, 'BAD_USER_INPUT');
    expect(result.errors![0]!.extensions?.field).toBe(field);
  });

  it('rejects a malformed cursor with BAD_USER_INPUT', async () => {
    const result = await graphql(system.url, `{ notifications(userId: "2", after: "not-a-cursor") { totalCount } }`);
    expectCleanError(result, 'BAD_USER_INPUT');
  });

  it('rejects a page size over the limit with BAD_USER_INPUT', async () => {
    expectCleanError(await graphql(system.url, `{ notifications(userId: "2", first: 1000) { totalCount } }`), 'BAD_USER_INPUT');
  });

  it('answers a wrong argument type with a GraphQL validation error', async () => {
    const result = await graphql(system.url, `{ notifications(userId: "2", first: "ten") { totalCount } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('serves GraphiQL from the server itself, with no external script or stylesheet', async () => {
    const response = await fetch(system.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('notificationAdded');
    // Any src=, href= or import of an absolute URL would load code or styles from elsewhere.
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/import\s*\(?\s*["'](?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import\s+(?:url\()?["']?(?:https?:)?\/\//i);
  });
});

describe('with the broker down', () => {
  let system: TestSystem;
  let closedPort: number;
  beforeAll(async () => {
    // A port that was free a moment ago and that nothing listens on: connections are refused.
    closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    system = await startTestSystem({ brokers: [`127.0.0.1:${closedPort}`], env: { KAFKA_SEND_TIMEOUT_MS: '2000' } });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('answers the mutation with KAFKA_UNAVAILABLE instead of hanging', async () => {
    const result = await send(system, valid);
    expectCleanError(result, 'KAFKA_UNAVAILABLE');
    expect(result.data).toBeNull();
  });

  it('says it is not ready, naming Kafka', async () => {
    const response = await fetch(new URL('/ready', system.url));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, down: ['kafka'] });
  });

  it('still answers what needs only the store', async () => {
    const result = await graphql(system.url, '{ unreadCount(userId: "2") notifications(userId: "2", first: 1) { totalCount } }');
    expect(result).toEqual({ data: { unreadCount: 0, notifications: { totalCount: 0 } } });
  });
});
