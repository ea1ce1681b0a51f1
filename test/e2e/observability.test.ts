/**
 * Request ids and where /metrics lives: a caller's x-request-id comes back as given, a missing
 * or unsafe one is replaced by a fresh UUID, on HTTP and on the WebSocket upgrade; with
 * METRICS_PORT set, /metrics moves to that port and the API's port no longer answers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminToken } from '../support/auth.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function post(url: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}`, ...headers },
    body: JSON.stringify({ query: '{ unreadCount(userId: "2") }' }),
  });
}

function upgradeHeaders(url: string, headers: Record<string, string> = {}): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.once('upgrade', (response) => {
      resolve(response.headers);
      socket.close();
    });
    socket.once('error', reject);
  });
}

describe('request ids', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system?.dispose());

  it('echoes a given x-request-id', async () => {
    const response = await post(system.url, { 'x-request-id': 'edge-7f3a.42:retry-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('edge-7f3a.42:retry-1');
  });

  it('makes a UUID when none is given, or the one given is not short and safe', async () => {
    const none = await post(system.url);
    expect(none.headers.get('x-request-id')).toMatch(UUID);
    for (const unsafe of ['a b', 'x'.repeat(129), '<script>', 'a/b', '']) {
      const response = await post(system.url, { 'x-request-id': unsafe });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('answers every path with one, also refusals and health checks', async () => {
    const refused = await fetch(system.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(UUID);
    const health = await fetch(new URL('/health', system.url), { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
  });

  it('echoes it on the WebSocket upgrade', async () => {
    expect((await upgradeHeaders(system.wsUrl, { 'x-request-id': 'socket-1' }))['x-request-id']).toBe('socket-1');
    expect((await upgradeHeaders(system.wsUrl))['x-request-id']).toMatch(UUID);
  });
});

describe('METRICS_PORT', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ env: { METRICS_PORT: '0' } });
  });
  afterAll(() => system?.dispose());

  it('serves /metrics on its own port, and the main port answers 404 for it', async () => {
    expect(new URL(system.metricsUrl).port).not.toBe(new URL(system.url).port);
    const metrics = await fetch(system.metricsUrl);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('notify_graphql_operations_total');
    const onMain = await fetch(new URL('/metrics', system.url));
    expect(onMain.status).toBe(404);
    expect(await onMain.text()).not.toContain('notify_');
    expect((await fetch(new URL('/elsewhere', system.metricsUrl))).status).toBe(404);
  });
});
