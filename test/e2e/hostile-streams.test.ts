/**
 * Streams a client never reads, and inbox changes in a loop (issue 15, §3.1), against a
 * production-mode system. A subscription over HTTP whose Accept rules out an event stream used to
 * start anyway and then answer 406: it kept one of the user's live slots and a feed listener
 * forever, so 20 of them locked the user out and every later change of the inbox piled up in
 * memory. Here each such request is refused before it subscribes, a stream whose client leaves
 * unread gives everything back (the gauges say so), the user can still open every slot, and
 * inbox changes answer RATE_LIMITED past their allowance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userToken } from '../support/auth.js';
import { sseSubscribe, wsClient, wsSubscribe } from '../support/graphql.js';
import { codesOf, postGraphQL, request, type HttpAnswer } from '../support/hostile.js';
import { metricsUntil, sample, series, type Samples } from '../support/metrics.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

const CONNECTIONS_PER_USER = 20;
const INBOX_CHANGES_PER_SECOND = 1;
/** What the bucket holds: ten seconds' worth (src/config.ts, inboxRate). */
const INBOX_CHANGES_PER_WINDOW = INBOX_CHANGES_PER_SECOND * 10;
const CHANGES = /* GraphQL */ `subscription { notificationsChanged { action } }`;
const MARK_ALL_READ = /* GraphQL */ `mutation { markAllNotificationsRead { action unreadCount } }`;

let system: TestSystem;
let url: string;

beforeAll(async () => {
  system = await startTestSystem({
    env: {
      NODE_ENV: 'production',
      LIMIT_CONNECTIONS_PER_USER: String(CONNECTIONS_PER_USER),
      INBOX_RATE_USER: String(INBOX_CHANGES_PER_SECOND),
    },
  });
  url = system.url.replace('//localhost:', '//127.0.0.1:');
});

afterAll(() => system?.dispose());

const subscriptionsActive = (samples: Samples) => series(samples, 'notify_subscriptions_active').reduce((sum, [, value]) => sum + value, 0);
const nothingOpen = (samples: Samples) => sample(samples, 'notify_sse_connections') === 0 && subscriptionsActive(samples) === 0;

/** A subscription over HTTP with the given Accept: POST with a JSON body, or GET with the query in the URL. */
async function subscribeOverHttp(method: 'POST' | 'GET', accept: string, token: string): Promise<HttpAnswer> {
  if (method === 'POST') return postGraphQL(url, { query: CHANGES }, { token, headers: { accept } });
  return request(`${url}?query=${encodeURIComponent(CHANGES)}`, { headers: { accept, authorization: `Bearer ${token}` } });
}

const UNSTREAMABLE: { method: 'POST' | 'GET'; accept: string }[] = [
  ...['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html'].map((accept) => ({ method: 'POST' as const, accept })),
  ...['application/json', 'text/html', 'text/event-stream; charset=iso-8859-1'].map((accept) => ({ method: 'GET' as const, accept })),
];

describe('a subscription over HTTP that cannot be streamed', () => {
  it.each(UNSTREAMABLE)('$method with Accept: $accept is refused with 406 NOT_ACCEPTABLE, and nothing stays open', async ({ method, accept }) => {
    const answer = await subscribeOverHttp(method, accept, await userToken('2'));
    expect(answer.status, answer.text).toBe(406);
    expect(answer.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(codesOf(answer.body)).toEqual(['NOT_ACCEPTABLE']);
    expect(answer.body?.errors?.[0]?.message).toContain('text/event-stream');
    expect(answer.text).not.toContain('    at ');
    // Refused before anything was subscribed: no slot, no stream, no gauge ever moved.
    await metricsUntil(system.metricsUrl, nothingOpen, 'no SSE stream and no subscription open');
  });

  it(`leaves the user every live slot after ${CONNECTIONS_PER_USER + 5} of them`, async () => {
    const token = await userToken('2');
    for (let i = 0; i < CONNECTIONS_PER_USER + 5; i += 1) {
      const { method, accept } = UNSTREAMABLE[i % UNSTREAMABLE.length]!;
      expect((await subscribeOverHttp(method, accept, token)).status).toBe(406);
    }
    await metricsUntil(system.metricsUrl, nothingOpen, 'nothing open');

    // Every slot is free: the whole allowance opens, and only the one past it is refused.
    const streams = await Promise.all(Array.from({ length: CONNECTIONS_PER_USER }, () => sseSubscribe(url, CHANGES, {}, { token })));
    try {
      await metricsUntil(system.metricsUrl, (s) => sample(s, 'notify_sse_connections') === CONNECTIONS_PER_USER, 'every slot open');
      const past = await subscribeOverHttp('POST', 'text/event-stream', token);
      expect(past.text).toContain('TOO_MANY_CONNECTIONS');
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
    await metricsUntil(system.metricsUrl, nothingOpen, 'every stream closed');
  });
});

describe('a stream nobody reads', () => {
  it('is ended when its client leaves without reading it, giving back the slot, the listener and the gauges', async () => {
    const token = await userToken('3');
    // More than the allowance: a stream that kept its slot would lock the user out below.
    for (let i = 0; i < CONNECTIONS_PER_USER + 5; i += 1) {
      const leaving = new AbortController();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: CHANGES }),
        signal: leaving.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // The subscription has started (Yoga answers once it is set up); the client goes unread.
      leaving.abort();
    }
    await metricsUntil(system.metricsUrl, nothingOpen, 'every unread stream ended');

    // Not locked out: a live feed over graphql-ws still opens and receives.
    const client = wsClient(system.wsUrl, { token });
    try {
      const feed = wsSubscribe<{ notificationsChanged: { action: string } }>(client, CHANGES);
      const next = feed.next();
      await metricsUntil(system.metricsUrl, (s) => subscriptionsActive(s) === 1, 'the graphql-ws subscription running');
      await postGraphQL(url, { query: MARK_ALL_READ }, { token });
      expect((await next).data?.notificationsChanged.action).toBe('ALL_READ');
      await feed.close();
    } finally {
      await client.dispose();
    }
    await metricsUntil(system.metricsUrl, nothingOpen, 'the feed closed');
  });
});

describe('inbox changes', () => {
  it('answer RATE_LIMITED with when to retry once a user spends its allowance; another user is not affected', async () => {
    const token = await userToken('4');
    const answers = await Promise.all(Array.from({ length: INBOX_CHANGES_PER_WINDOW + 5 }, () => postGraphQL(url, { query: MARK_ALL_READ }, { token })));
    const accepted = answers.filter((answer) => !answer.body?.errors);
    const refused = answers.filter((answer) => answer.body?.errors);
    // All of them fall in the window the first one opened (ten seconds).
    expect(accepted).toHaveLength(INBOX_CHANGES_PER_WINDOW);
    expect(refused).toHaveLength(5);
    for (const answer of refused) {
      expect(codesOf(answer.body), answer.text).toEqual(['RATE_LIMITED']);
      expect(answer.body?.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    for (const answer of accepted) expect(answer.body?.data).toEqual({ markAllNotificationsRead: { action: 'ALL_READ', unreadCount: 0 } });

    const other = await postGraphQL(url, { query: MARK_ALL_READ }, { token: await userToken('1') });
    expect(other.body?.errors).toBeUndefined();
  });
});
