/**
 * Hostile HTTP, before any GraphQL runs: bodies that are not JSON or not a GraphQL request, bodies
 * over the 1 MiB limit, Content-Length and Transfer-Encoding that lie or smuggle, oversized
 * headers, media types and methods GraphQL does not take, and cross-site simple requests (CSRF);
 * the same against the HTTP API (`POST /v1/notifications`), refused as problem details. Each is
 * refused with its status and code, and afterwards the server still answers, its memory is
 * bounded, and the store holds nothing it should not.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { aftermath, BODY_LIMIT, type Harness, hostile, HOSTILE, startHarness, stopHarness, table } from '../support/hostile-system.js';
import { expectCode, type HttpAnswer, postGraphQL, rawHttp, request } from '../support/hostile.js';

let dev: Harness;

beforeAll(async () => {
  dev = await startHarness('dev');
}, 120_000);

afterAll(() => stopHarness(dev, 'hostile-http'));

describe('HTTP framing and bodies', () => {
  const invalidJson: { name: string; body: () => string | Blob }[] = [
    { name: 'a lone brace', body: () => '{' },
    { name: 'a lone bracket', body: () => '[' },
    { name: 'a key without value', body: () => '{"query":' },
    { name: 'an unclosed object', body: () => '{"query":"{ __typename }"' },
    { name: 'a trailing comma', body: () => '{"query":"{ __typename }",}' },
    { name: 'single quotes', body: () => "{'query':'{ __typename }'}" },
    { name: 'a form body', body: () => 'query={__typename}' },
    { name: 'a NUL byte', body: () => '\u0000' },
    { name: 'a byte-order mark', body: () => '\ufeff{"query":"{ __typename }"}' },
    { name: 'an invalid escape', body: () => '{"query":"\\x41"}' },
    { name: 'garbage after the object', body: () => '{"query":"{ __typename }"}garbage' },
    { name: 'two objects', body: () => '{"query":"{ __typename }"}{"query":"{ __typename }"}' },
    { name: 'NaN', body: () => 'NaN' },
    { name: 'undefined as a value', body: () => '{"query": undefined}' },
    { name: 'an unterminated string', body: () => '"unterminated' },
    { name: 'an unterminated 500 KB string', body: () => `{"query":"${'a'.repeat(500_000)}` },
    { name: '100 000 open brackets', body: () => '['.repeat(100_000) },
    { name: 'deep unterminated variables', body: () => `{"query":"{ __typename }","variables":${'{"a":'.repeat(20_000)}` },
    { name: 'invalid UTF-8 bytes', body: () => new Blob([new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0x80, 0x22, 0x7d])]) },
    { name: 'a DEL control character', body: () => '\u007f' },
    { name: 'only whitespace', body: () => '   \n\t  ' },
    { name: 'a JSON comment', body: () => '{"query":"{ __typename }" /* hi */}' },
    { name: 'hex number', body: () => '{"query":"{ __typename }","variables":{"a":0x10}}' },
  ];
  table('invalid JSON is BAD_REQUEST', invalidJson, (c) => c.name, async ({ body }) => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      body: body(),
    });
    expectCode(answer, 'BAD_REQUEST', { status: [200, 400] });
  });

  const wrongShapes: { name: string; body: string; code?: string }[] = [
    { name: 'null', body: 'null' },
    { name: 'a number', body: '1' },
    { name: 'a string', body: '"{ __typename }"' },
    { name: 'true', body: 'true' },
    { name: 'an empty array', body: '[]' },
    { name: 'a batch', body: '[{"query":"{ __typename }"},{"query":"{ __typename }"}]' },
    { name: 'an empty object', body: '{}' },
    ...(['1', 'true', '{}', '[]', 'null', '["{ __typename }"]'] as const).map((value) => ({ name: `query: ${value}`, body: `{"query":${value}}` })),
    ...(['"x"', '1', '[1]', 'true', '"{\\"a\\":1}"'] as const).map((value) => ({ name: `variables: ${value}`, body: `{"query":"{ __typename }","variables":${value}}` })),
    ...(['"x"', '1', '[1]', 'true'] as const).map((value) => ({ name: `extensions: ${value}`, body: `{"query":"{ __typename }","extensions":${value}}` })),
    ...(['5', '{}', '[]', 'true', '"Nope"'] as const).map((value) => ({
      name: `operationName: ${value}`,
      body: `{"query":"query A { __typename }","operationName":${value}}`,
      code: 'OPERATION_RESOLUTION_FAILURE',
    })),
  ];
  table('a body of the wrong shape is refused', wrongShapes, (c) => c.name, async ({ body, code = 'BAD_REQUEST' }) => {
    const answer = await postGraphQL(dev.url, body, { token: dev.admin, raw: true });
    expectCode(answer, code, { status: [200, 400] });
  });

  const tooLarge: { name: string; payload: () => unknown }[] = [
    { name: 'a 1 MiB query', payload: () => ({ query: `{ __typename ${'#'.repeat(BODY_LIMIT)} }` }) },
    { name: '1 MiB of variables', payload: () => ({ query: '{ __typename }', variables: { x: 'a'.repeat(BODY_LIMIT) } }) },
    { name: '1 MiB of whitespace', payload: () => ({ query: `${' '.repeat(BODY_LIMIT)}{ __typename }` }) },
    { name: '1 MiB of extensions', payload: () => ({ query: '{ __typename }', extensions: { x: 'a'.repeat(BODY_LIMIT) } }) },
    { name: 'a 1.2 MiB message', payload: () => ({ query: 'mutation($m: String!) { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: $m}) { id } }', variables: { m: HOSTILE.repeat(Math.ceil((1.2 * BODY_LIMIT) / HOSTILE.length)) } }) },
    { name: '60 000 variables', payload: () => ({ query: '{ __typename }', variables: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`variable${i}`, i])) }) },
  ];
  table('a body over the limit is 413 PAYLOAD_TOO_LARGE', tooLarge, (c) => c.name, async ({ payload }) => {
    expectCode(await postGraphQL(dev.url, payload(), { token: dev.admin }), 'PAYLOAD_TOO_LARGE', { status: 413 });
  });

  const lyingHeaders = (length: string, body = '{"query":"{ __typename }"}') =>
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer TOKEN\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
  const rawCases: { name: string; bytes: string; status: number; code?: string }[] = [
    { name: 'Content-Length says 2 MB, body is tiny', bytes: lyingHeaders('2000000'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'Content-Length says 10 GB', bytes: lyingHeaders('10000000000', '{'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'Content-Length beyond 2^53', bytes: lyingHeaders('9007199254740993', '{'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'chunked transfer encoding', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1a\r\n{"query":"{ __typename }"}\r\n0\r\n\r\n`, status: 411, code: 'LENGTH_REQUIRED' },
    { name: 'an unknown transfer encoding', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n`, status: 411, code: 'LENGTH_REQUIRED' },
    { name: 'Content-Length that is no number', bytes: lyingHeaders('abc'), status: 400 },
    { name: 'a negative Content-Length', bytes: lyingHeaders('-1'), status: 400 },
    { name: 'two different Content-Lengths', bytes: lyingHeaders('5\r\nContent-Length: 6'), status: 400 },
    { name: 'Content-Length and chunked together (smuggling)', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
    { name: 'a control character in a header name', bytes: `GET /health HTTP/1.1\r\nHost: x\r\nX-A\u0001: b\r\nConnection: close\r\n\r\n`, status: 400 },
    { name: 'a garbage request line', bytes: `GARBAGE\r\n\r\n`, status: 400 },
    { name: 'HTTP/1.1 without Host', bytes: `GET /health HTTP/1.1\r\nConnection: close\r\n\r\n`, status: 400 },
    { name: 'a 20 KiB header', bytes: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, status: 431 },
    { name: '3000 headers', bytes: `GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`, status: 431 },
  ];
  table('raw HTTP abuse is refused before any GraphQL', rawCases, (c) => c.name, async ({ bytes, status, code }) => {
    const answer = await rawHttp(dev.url, bytes.replace('TOKEN', dev.admin));
    expect(answer.status, answer.head).toBe(status);
    if (code) {
      expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code } }] });
      expect(answer.head.toLowerCase()).toContain('x-content-type-options: nosniff');
    }
  });

  hostile('a chunked POST from fetch (no Content-Length) is 411 LENGTH_REQUIRED', async () => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      body: new Blob([JSON.stringify({ query: '{ __typename }' })]).stream(),
      duplex: 'half',
    });
    expectCode(answer, 'LENGTH_REQUIRED', { status: 411 });
  });

  const mediaTypes = ['text/plain', 'application/xml', 'application/octet-stream', 'application/jsonx', 'image/png', null] as const;
  table('an unsupported media type is 415 with code UNSUPPORTED_MEDIA_TYPE', mediaTypes, (c) => String(c), async (type) => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.admin}`, ...(type && { 'content-type': type }) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(answer.status).toBe(415);
    expectCode(answer, 'UNSUPPORTED_MEDIA_TYPE', { status: 415 });
  });

  const methods: { method: string; url: () => string; body?: string }[] = [
    { method: 'PUT', url: () => dev.url, body: '{"query":"{ __typename }"}' },
    { method: 'PATCH', url: () => dev.url, body: '{"query":"{ __typename }"}' },
    { method: 'DELETE', url: () => dev.url },
    { method: 'GET (a mutation)', url: () => `${dev.url}?query=${encodeURIComponent(`mutation { markAllNotificationsRead(userId: "3") { unreadCount } }`)}` },
    { method: 'GET (a mutation by operationName)', url: () => `${dev.url}?operationName=M&query=${encodeURIComponent(`query Q { __typename } mutation M { markAllNotificationsRead(userId: "3") { unreadCount } }`)}` },
  ];
  table('a method GraphQL does not take is 405', methods, (c) => c.method, async ({ method, url, body }) => {
    const answer = await request(url(), {
      method: method.split(' ')[0]!,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      ...(body && { body }),
    });
    expectCode(answer, 'BAD_REQUEST', { status: 405, alsoAllowed: ['METHOD_NOT_ALLOWED'] });
  });

  const attack = `mutation { markAllNotificationsRead(userId: "3") { unreadCount } }`;
  const csrf: { name: string; init: () => RequestInit & { url?: string } }[] = [
    { name: 'a form post', init: () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(attack)}` }) },
    { name: 'a multipart form post', init: () => ({ method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: attack })}\r\n--x--\r\n` }) },
    { name: 'a text/plain post carrying JSON', init: () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: attack }) }) },
    { name: 'a post with no content type', init: () => ({ method: 'POST', body: JSON.stringify({ query: attack }) }) },
    { name: 'a GET query from an image tag', init: () => ({ method: 'GET', url: `${dev.url}?query=${encodeURIComponent('{ unreadCount(userId: "3") }')}` }) },
    { name: 'a GET mutation from a link', init: () => ({ method: 'GET', url: `${dev.url}?query=${encodeURIComponent(attack)}` }) },
    { name: 'a form post with an evil Origin', init: () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `query=${encodeURIComponent(attack)}` }) },
    { name: 'a text/plain post with a harmless custom header', init: () => ({ method: 'POST', headers: { 'content-type': 'text/plain', 'x-requested-with': 'XMLHttpRequest' }, body: JSON.stringify({ query: attack }) }) },
  ];
  table('a cross-site simple request is 403 FORBIDDEN (CSRF)', csrf, (c) => c.name, async ({ init }) => {
    const { url = dev.url, ...rest } = init();
    expectCode(await request(url, rest), 'FORBIDDEN', { status: 403 });
  });

  aftermath(() => dev);
});

/** A refusal of the HTTP API: problem details with this status and code, bounded, nothing internal. */
function expectProblem(answer: HttpAnswer, status: number, code: string) {
  const context = `${answer.status} ${answer.text.slice(0, 600)}`;
  expect(answer.status, context).toBe(status);
  expect(answer.headers.get('content-type'), context).toBe('application/problem+json');
  expect(JSON.parse(answer.text), context).toMatchObject({ type: 'about:blank', status, code });
  expect(answer.text.length, context).toBeLessThan(1000);
  for (const leak of ['    at ', 'node_modules', '.ts:', 'kafkajs', 'SELECT ']) expect(answer.text, context).not.toContain(leak);
}

describe('the HTTP API under the same abuse', () => {
  const restUrl = () => `${dev.root}/v1/notifications`;
  /** A send to a victim that must never be stored: the aftermath checks that none was. */
  const toVictim = { senderId: '1', recipientId: '3', kind: 'follow', message: HOSTILE };
  const post = (body: string | Blob, headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` }) =>
    request(restUrl(), { method: 'POST', headers, body });

  const invalidJson = [
    '{',
    '{"recipientId":',
    `${JSON.stringify(toVictim)},`,
    `${JSON.stringify(toVictim)}garbage`,
    `${JSON.stringify(toVictim)}${JSON.stringify(toVictim)}`,
    `\ufeff${JSON.stringify(toVictim)}`,
    "{'recipientId':'3'}",
    'NaN',
    '   ',
    '['.repeat(100_000),
    `{"notifications":[${'{"a":'.repeat(20_000)}`,
    `{"message":"${'a'.repeat(500_000)}`,
  ];
  table('invalid JSON is 400 BAD_USER_INPUT', invalidJson, (c) => c.slice(0, 40), async (body) => {
    expectProblem(await post(body), 400, 'BAD_USER_INPUT');
  });

  const wrongShapes = ['null', '1', '"x"', 'true', '[]', '{}', '{"notifications":{}}', '{"notifications":[null]}', JSON.stringify({ ...toVictim, kind: 7 }), JSON.stringify({ ...toVictim, recipientId: 3 }), JSON.stringify({ ...toVictim, __proto__x: 1 }), JSON.stringify({ ...toVictim, data: undefined, link: 7 })];
  table('a body of the wrong shape is 400 BAD_USER_INPUT', wrongShapes, (c) => c.slice(0, 60), async (body) => {
    expectProblem(await post(body), 400, 'BAD_USER_INPUT');
  });

  const hostileData: { name: string; data: () => string }[] = [
    { name: '5,000 nested arrays', data: () => `${'['.repeat(5000)}${']'.repeat(5000)}` },
    { name: '100,000 nested objects', data: () => `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}` },
    { name: '100,000 small objects (over 16 KiB)', data: () => JSON.stringify(Array.from({ length: 100_000 }, () => ({}))) },
  ];
  table('data the domain refuses is 400 BAD_USER_INPUT on field data', hostileData, (c) => c.name, async ({ data }) => {
    const answer = await post(`{"senderId":"1","recipientId":"3","kind":"follow","message":"${HOSTILE}","data":${data()}}`);
    expectProblem(answer, 400, 'BAD_USER_INPUT');
    expect(JSON.parse(answer.text)).toMatchObject({ field: 'data' });
  });

  hostile('a prototype-polluting body is refused and pollutes nothing', async () => {
    expectProblem(await post(`{"__proto__":{"polluted":true},${JSON.stringify(toVictim).slice(1)}`), 400, 'BAD_USER_INPUT');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  hostile('a body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
    expectProblem(await post(JSON.stringify({ ...toVictim, message: HOSTILE.repeat(Math.ceil((1.2 * BODY_LIMIT) / HOSTILE.length)) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  hostile('a chunked POST (no Content-Length) is 411 LENGTH_REQUIRED', async () => {
    const answer = await request(restUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      body: new Blob([JSON.stringify(toVictim)]).stream(),
      duplex: 'half',
    });
    expectProblem(answer, 411, 'LENGTH_REQUIRED');
  });

  const mediaTypes = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json'] as const;
  table('another media type is 415, even with a token', mediaTypes, (c) => c, async (type) => {
    expectProblem(await post(JSON.stringify(toVictim), { 'content-type': type, authorization: `Bearer ${dev.admin}` }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  const crossSite: { name: string; headers: Record<string, string> }[] = [
    { name: 'a form post', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } },
    { name: 'a text/plain post carrying JSON', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' } },
    { name: 'a JSON post without a token (what a preflighted page could send)', headers: { 'content-type': 'application/json', origin: 'https://evil.example' } },
  ];
  table('a cross-site request sends nothing', crossSite, (c) => c.name, async ({ headers }) => {
    const answer = await post(JSON.stringify(toVictim), headers);
    expect([401, 415]).toContain(answer.status);
    expectProblem(answer, answer.status, answer.status === 401 ? 'UNAUTHENTICATED' : 'UNSUPPORTED_MEDIA_TYPE');
  });

  table('a method it does not take is 405', ['GET', 'PUT', 'DELETE'], (c) => c, async (method) => {
    const answer = await request(restUrl(), { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` }, ...(method === 'PUT' && { body: JSON.stringify(toVictim) }) });
    expectProblem(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.get('allow')).toBe('POST');
  });

  aftermath(() => dev);
});
