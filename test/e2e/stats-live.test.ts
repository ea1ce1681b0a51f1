/**
 * statsWindow on the real system (the stats consumer inside it, ROLE=all): an admin's SSE and
 * WebSocket subscriptions get the day's figures at once, then each change as notifications are
 * counted; they count in the subscriptions gauge, and end when the token expires, like every
 * subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/caller.js';
import { tokenFor } from '../support/auth.js';
import { graphqlData, sseSubscribe, wsClient, wsSubscribe, type GraphQLResponse } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const WINDOW = /* GraphQL */ `subscription Window($kind: NotificationKind) { statsWindow(window: DAY, kind: $kind) { start end sent closed } }`;
const SEND_MANY = /* GraphQL */ `mutation SendMany($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } error { code message } } }`;

interface WindowEvent {
  statsWindow: { start: string; end: string; sent: number; closed: boolean };
}

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
});

afterAll(async () => {
  await system?.dispose();
});

const gauge = (count: number) =>
  metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field: 'statsWindow' }) === count, `${count} statsWindow subscriptions`);

/** Reads pushes until one has `sent` at least `atLeast`; every push differs from the one before. */
async function until(next: () => Promise<GraphQLResponse<WindowEvent>>, atLeast: number, previous: number): Promise<number> {
  let last = previous;
  for (;;) {
    const event = await next();
    expect(event.errors, JSON.stringify(event.errors)).toBeUndefined();
    const { sent, closed } = event.data!.statsWindow;
    expect(sent, 'a push only when the figures changed').not.toBe(last);
    expect(closed).toBe(false);
    last = sent;
    if (sent >= atLeast) return sent;
  }
}

describe('statsWindow', () => {
  it('pushes the running figures as notifications are counted, over SSE and WebSocket; counts in the gauge', { timeout: 90_000 }, async () => {
    const sse = await sseSubscribe<WindowEvent>(system.url, WINDOW, {});
    const ws = wsClient(system.wsUrl);
    const overWs = wsSubscribe<WindowEvent>(ws, WINDOW, { kind: 'mention' });

    const [first, firstWs] = await Promise.all([sse.next(), overWs.next()]);
    const today = new Date(new Date().toISOString().slice(0, 10)).toISOString();
    expect(first.data!.statsWindow).toMatchObject({ start: today, sent: 0, closed: false });
    expect(firstWs.data!.statsWindow).toMatchObject({ start: today, sent: 0, closed: false });
    await gauge(2);

    const inputs = (kind: string, n: number) => Array.from({ length: n }, (_, i) => ({ senderId: '4', recipientId: String((i % 3) + 1), kind, message: `${kind} ${i}` }));
    const { sendNotifications: sent } = await graphqlData<{ sendNotifications: { error: unknown }[] }>(system.url, SEND_MANY, { inputs: [...inputs('comment', 3), ...inputs('mention', 2)] });
    expect(sent.map((r) => r.error)).toEqual([null, null, null, null, null]);
    expect(await until(() => sse.next(), 5, 0)).toBe(5);
    expect(await until(() => overWs.next(), 2, 0), 'the MENTION figures only').toBe(2);

    await sse.close();
    await overWs.close();
    await ws.dispose();
    await gauge(0);
  });

  it('ends when the token expires, like every subscription', async () => {
    const expiresIn = 4;
    const token = await tokenFor({ sub: 'dashboard', scope: SCOPES.admin, expiresIn });
    const expiresAt = Date.now() + expiresIn * 1000;
    const sse = await sseSubscribe<WindowEvent>(system.url, WINDOW, {}, { token });
    expect((await sse.next()).data!.statsWindow.closed).toBe(false);
    await gauge(1);
    // Nothing is sent meanwhile: the next thing it says is that the token expired.
    const expired = await sse.next();
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1_000);
    expect(expired.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await expect(sse.next()).rejects.toThrow(/subscription completed|event stream ended/);
    await gauge(0);
    await sse.close();
  });
});
