/**
 * What production mode shows an attacker: no GraphiQL or landing page, no introspection on any
 * transport, no "Did you mean" suggestions, no CORS or WebSocket upgrade for an unlisted origin,
 * and x-content-type-options: nosniff on every answer, refusals included.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  aftermath,
  BODY_LIMIT,
  gql,
  type Harness,
  hostile,
  HOSTILE,
  serviceToken,
  startHarness,
  stopHarness,
  table,
  uniqueSubject,
} from '../support/hostile-system.js';
import {
  codesOf,
  expectCleanErrors,
  expectCode,
  type HttpAnswer,
  operationErrors,
  postGraphQL,
  request,
  wsConnected,
  wsSession,
} from '../support/hostile.js';

let prod: Harness;

beforeAll(async () => {
  prod = await startHarness('prod');
}, 120_000);

afterAll(() => stopHarness(prod, 'hostile-production-defaults'));

describe('production defaults', () => {
  const pages = ['/graphql', '/graphiql', '/', '/foo', '/admin', '/.env', '/GRAPHQL', '/graphql/..%2fadmin', '/ready/x'] as const;
  table('no GraphiQL and no landing page', pages, (c) => c, async (path) => {
    const answer = await request(`${prod.root}${path}`, { headers: { accept: 'text/html' } });
    expect(answer.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(answer.text).not.toMatch(/graphiql|GraphQL Yoga|<html/i);
    if (path !== '/graphql') expect(answer.status).toBe(404);
    else expect([400, 406]).toContain(answer.status);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  const introspection = [
    '{ __schema { types { name } } }',
    '{ __type(name: "Query") { fields { name } } }',
    '{ s: __schema { queryType { name } } }',
    '{ ...F } fragment F on Query { __schema { types { name } } }',
    '{ ... on Query { __type(name: "User") { name } } }',
    'query IntrospectionQuery { __schema { directives { name } } }',
  ];
  table('introspection is refused', introspection, (c) => c, async (query) => {
    const answer = await gql(prod, query);
    expectCode(answer, 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
    expect(answer.text).not.toContain('"types"');
  });

  hostile('introspection over GET is refused', async () => {
    const answer = await request(`${prod.url}?query=${encodeURIComponent('{ __schema { types { name } } }')}`, { headers: { authorization: `Bearer ${prod.admin}` } });
    expectCode(answer, 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
  });

  hostile('introspection over graphql-ws is refused', async () => {
    const session = await wsConnected(prod.wsUrl, await serviceToken(uniqueSubject('svc')));
    session.send({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } });
    const errors = await operationErrors(session, 'i');
    expectCleanErrors(errors, JSON.stringify(errors));
    expect(codesOf({ errors })).toContain('GRAPHQL_VALIDATION_FAILED');
    await session.close();
  });

  const FILTER = 'query($f: NotificationFilter) { notifications(userId: "3", filter: $f) { totalCount } }';
  const SEND = 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }';
  const typos: { name: string; query: string; variables?: Record<string, unknown>; code: string }[] = [
    { name: 'a field', query: '{ notificationz { id } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an argument', query: '{ notifications(userIdd: "3") { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a type condition', query: '{ ... on Querry { __typename } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a variable type', query: 'query($u: IDD) { unreadCount(userId: $u) }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an input field in a literal', query: '{ notifications(userId: "3", filter: { kindd: [FOLLOW] }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an enum value in a literal', query: '{ statsSeries(window: HOURR, from: "2025-03-01T00:00:00Z", to: "2025-03-02T00:00:00Z") { sent } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a status enum value in a literal', query: '{ notifications(userId: "3", filter: { status: [UNREED] }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an enum value in variables', query: 'query($w: StatsWindow!) { statsSeries(window: $w, from: "2025-03-01T00:00:00Z", to: "2025-03-02T00:00:00Z") { sent } }', variables: { w: 'HOURR' }, code: 'BAD_USER_INPUT' },
    { name: 'a status enum value in variables', query: FILTER, variables: { f: { status: ['UNREADD'] } }, code: 'BAD_USER_INPUT' },
    { name: 'an input field in variables', query: FILTER, variables: { f: { kindd: ['follow'] } }, code: 'BAD_USER_INPUT' },
    { name: 'a send input field in variables', query: SEND, variables: { i: { senderr: '1', recipientId: '3', kind: 'follow', message: HOSTILE } }, code: 'BAD_USER_INPUT' },
    { name: 'a field on a nested type', query: '{ me { nmae } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  ];
  table('a typo gets no "Did you mean" suggestion', typos, (c) => c.name, async ({ query, variables = {}, code }) => {
    const answer = await gql(prod, query, variables);
    expectCode(answer, code, { status: [200, 400] });
    expect(answer.text).not.toMatch(/did you mean/i);
  });

  const evilOrigins = ['https://evil.example', 'null', 'https://app.example.evil.com', 'http://app.example', 'https://evil.app.example'];
  table('CORS answers no unlisted origin (POST)', evilOrigins, (c) => c, async (origin) => {
    const answer = await gql(prod, '{ __typename }', {}, prod.admin, { origin });
    const allowed = answer.headers.get('access-control-allow-origin');
    expect(allowed).not.toBe(origin);
    expect(allowed).not.toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).not.toBe('true');
  });
  table('CORS answers no unlisted origin (preflight)', evilOrigins, (c) => c, async (origin) => {
    const answer = await request(prod.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    const allowed = answer.headers.get('access-control-allow-origin');
    expect(allowed).not.toBe(origin);
    expect(allowed).not.toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).not.toBe('true');
  });

  table('a WebSocket upgrade from an unlisted origin is refused with 403', evilOrigins, (c) => c, async (origin) => {
    const session = wsSession(prod.wsUrl, { origin });
    const end = await Promise.race([session.ended, session.opened.then(() => session.ended)]);
    expect(end).toEqual({ kind: 'refused', status: 403 });
  });

  const nosniff: { name: string; run: () => Promise<Response | HttpAnswer> }[] = [
    { name: 'a GraphQL answer', run: () => gql(prod, '{ __typename }') },
    { name: 'a 401', run: () => gql(prod, '{ __typename }', {}, 'forged') },
    { name: 'a 403 (CSRF)', run: () => request(prod.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }) },
    { name: 'a 413', run: () => postGraphQL(prod.url, { query: `{ __typename ${' '.repeat(BODY_LIMIT)}}` }, { token: prod.admin }) },
    { name: 'a 405', run: () => request(prod.url, { method: 'DELETE', headers: { authorization: `Bearer ${prod.admin}` } }) },
    { name: 'an SSE refusal', run: () => fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '{"query":"subscription { notificationAdded { id } }"}' }) },
  ];
  table('responses say x-content-type-options: nosniff', nosniff, (c) => c.name, async ({ run }) => {
    const answer = await run();
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    if (answer instanceof Response) await answer.body?.cancel();
  });

  aftermath(() => prod);
});
