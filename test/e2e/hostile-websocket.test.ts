/**
 * Hostile graphql-ws: messages out of order, malformed or oversized messages, sockets that never
 * say connection_init, wrong subprotocols, WebSocket frames no real client sends (unmasked,
 * reserved opcodes and bits, invalid UTF-8, lying lengths), and bad operations on a socket that
 * must stay open. Each gets its close code or its error code; afterwards the server still answers,
 * its memory is bounded, and the store holds nothing it should not.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  aftermath,
  BODY_LIMIT,
  type Harness,
  hostile,
  serviceToken,
  startHarness,
  stopHarness,
  table,
  uniqueSubject,
  WS_PAYLOAD_LIMIT,
} from '../support/hostile-system.js';
import {
  closePayload,
  codesOf,
  expectCleanErrors,
  expectClosed,
  operationErrors,
  rawWebSocket,
  wsConnected,
  wsFrame,
  wsSession,
} from '../support/hostile.js';

let dev: Harness;

beforeAll(async () => {
  dev = await startHarness('dev');
}, 120_000);

afterAll(() => stopHarness(dev, 'hostile-websocket'));

describe('graphql-ws protocol and frames', () => {
  type Step = { send: unknown } | 'await-ack' | { raw: string | Buffer };
  const init = async () => ({ type: 'connection_init', payload: { authorization: `Bearer ${await serviceToken(uniqueSubject('ws'))}` } });
  const subscribe = (id: unknown, query = 'subscription { notificationAdded(userId: "3") { id } }', extra: Record<string, unknown> = {}) => ({
    id,
    type: 'subscribe',
    payload: { query, ...extra },
  });
  const big = (bytes: number) => 'x'.repeat(bytes);
  const protocolCases: { name: string; steps: (init: unknown) => Step[]; close: number }[] = [
    { name: 'subscribe before connection_init', steps: () => [{ send: subscribe('1') }], close: 4401 },
    { name: 'subscribe right after connection_init, before the ack', steps: (i) => [{ send: i }, { send: subscribe('1') }], close: 4401 },
    { name: 'a second connection_init after the ack', steps: (i) => [{ send: i }, 'await-ack', { send: i }], close: 4429 },
    { name: 'two connection_init back to back', steps: (i) => [{ send: i }, { send: i }], close: 4429 },
    { name: 'a third connection_init', steps: (i) => [{ send: i }, 'await-ack', { send: i }, { send: i }], close: 4429 },
    { name: 'an unknown message type before init', steps: () => [{ send: { type: 'start', id: '1', payload: { query: '{ __typename }' } } }], close: 4400 },
    { name: 'an unknown message type after the ack', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'connection_terminate' } }], close: 4400 },
    { name: 'a client sending connection_ack', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'connection_ack' } }], close: 4400 },
    { name: 'a client sending next', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'next', id: '1', payload: { data: {} } } }], close: 4400 },
    { name: 'a client sending error', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'error', id: '1', payload: [{ message: 'x' }] } }], close: 4400 },
    { name: 'a client sending connection_ack before init', steps: () => [{ send: { type: 'connection_ack' } }], close: 4400 },
    { name: 'invalid JSON', steps: () => [{ raw: '{' }], close: 4400 },
    { name: 'plain text', steps: () => [{ raw: 'hello' }], close: 4400 },
    { name: 'an empty message', steps: () => [{ raw: '' }], close: 4400 },
    { name: 'a JSON array', steps: () => [{ raw: '[{"type":"connection_init"}]' }], close: 4400 },
    { name: 'JSON null', steps: () => [{ raw: 'null' }], close: 4400 },
    { name: 'a JSON number', steps: () => [{ raw: '1' }], close: 4400 },
    { name: 'a JSON string', steps: () => [{ raw: '"connection_init"' }], close: 4400 },
    { name: 'an object without type', steps: () => [{ send: { payload: {} } }], close: 4400 },
    { name: 'a numeric type', steps: () => [{ send: { type: 1 } }], close: 4400 },
    { name: 'a null type', steps: () => [{ send: { type: null } }], close: 4400 },
    { name: 'a type of 60 KB', steps: () => [{ send: { type: big(60_000) } }], close: 4400 },
    { name: 'invalid JSON after the ack', steps: (i) => [{ send: i }, 'await-ack', { raw: '{"type":"subscribe",' }], close: 4400 },
    { name: 'a duplicate subscription id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1') }, { send: subscribe('1') }], close: 4409 },
    { name: 'a duplicate id among many', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('a') }, { send: subscribe('b') }, { send: subscribe('c') }, { send: subscribe('b') }], close: 4409 },
    { name: 'subscribe without id', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'subscribe', payload: { query: '{ __typename }' } } }], close: 4400 },
    { name: 'subscribe with an empty id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('') }], close: 4400 },
    { name: 'subscribe with a numeric id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe(1) }], close: 4400 },
    { name: 'subscribe without payload', steps: (i) => [{ send: i }, 'await-ack', { send: { id: '1', type: 'subscribe' } }], close: 4400 },
    { name: 'subscribe with a numeric query', steps: (i) => [{ send: i }, 'await-ack', { send: { id: '1', type: 'subscribe', payload: { query: 1 } } }], close: 4400 },
    { name: 'subscribe with string variables', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { variables: '{}' }) }], close: 4400 },
    { name: 'subscribe with a numeric operationName', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { operationName: 1 }) }], close: 4400 },
    { name: 'subscribe with list extensions', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { extensions: [] }) }], close: 4400 },
    { name: 'complete without id', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'complete' } }], close: 4400 },
    { name: 'a ping with a string payload', steps: () => [{ send: { type: 'ping', payload: 'x' } }], close: 4400 },
    { name: 'a subscribe frame over 64 KiB', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { variables: { x: big(WS_PAYLOAD_LIMIT) } }) }], close: 1009 },
    { name: 'a connection_init frame over 64 KiB', steps: () => [{ send: { type: 'connection_init', payload: { authorization: `Bearer ${big(WS_PAYLOAD_LIMIT)}` } } }], close: 1009 },
    { name: 'a 1 MiB frame', steps: () => [{ raw: big(BODY_LIMIT) }], close: 1009 },
  ];
  table('graphql-ws closes the socket with the protocol code', protocolCases, (c) => `${c.name} → ${c.close}`, async ({ steps, close }) => {
    // The client must take what the server says, however long; only the server's limit is tested.
    const session = wsSession(dev.wsUrl, { maxPayload: 64 * BODY_LIMIT });
    await session.opened;
    for (const step of steps(await init())) {
      if (step === 'await-ack') expect(await session.next()).toEqual({ type: 'connection_ack' });
      else if ('raw' in step) session.send(step.raw);
      else session.send(JSON.stringify(step.send));
    }
    expectClosed(await session.ended, close);
  });

  hostile(
    'a socket that never sends connection_init is closed with 4408 after 3 s',
    async () => {
      const session = wsSession(dev.wsUrl);
      await session.opened;
      const started = Date.now();
      expectClosed(await session.ended, 4408);
      expect(Date.now() - started).toBeLessThan(4500);
    },
    { concurrent: true, timeout: 10_000 },
  );

  hostile(
    'half an init frame and then silence is closed with 4408',
    async () => {
      const raw = await rawWebSocket(dev.wsUrl);
      expect(raw.status).toBe(101);
      const frame = wsFrame(0x1, JSON.stringify({ type: 'connection_init', payload: {} }));
      raw.write(frame.subarray(0, 10));
      const end = await raw.ended;
      raw.destroy();
      expect(end.code).toBe(4408);
    },
    { concurrent: true, timeout: 10_000 },
  );

  const subprotocols: { name: string; protocol: string | null }[] = [
    { name: 'no subprotocol', protocol: null },
    { name: 'the legacy graphql-ws subprotocol', protocol: 'graphql-ws' },
    { name: 'an unknown subprotocol', protocol: 'evil-protocol' },
  ];
  table('a socket without the graphql-transport-ws subprotocol is not served', subprotocols, (c) => c.name, async ({ protocol }) => {
    const session = wsSession(dev.wsUrl, { protocol });
    const end = await Promise.race([session.ended, session.opened.then(() => session.ended)]);
    // The server either refuses the subprotocol in the handshake (the client gives up) or closes 4406.
    if (end.kind === 'closed') expect(end.code).toBe(4406);
    else expect(end).toMatchObject({ kind: 'error', message: expect.stringMatching(/subprotocol/i) });
  });

  const INIT_TEXT = async () => JSON.stringify(await init());
  const frames: { name: string; frames: (initText: string) => Buffer[]; close: number }[] = [
    { name: 'an unmasked client frame', frames: (i) => [wsFrame(0x1, i, { mask: false })], close: 1002 },
    { name: 'a reserved opcode (0x3)', frames: (i) => [wsFrame(0x3, i)], close: 1002 },
    { name: 'a reserved control opcode (0xB)', frames: () => [wsFrame(0xb, 'x')], close: 1002 },
    { name: 'RSV1 set without an extension', frames: (i) => [wsFrame(0x1, i, { rsv: 4 })], close: 1002 },
    { name: 'RSV3 set', frames: (i) => [wsFrame(0x1, i, { rsv: 1 })], close: 1002 },
    { name: 'invalid UTF-8 in a text frame', frames: () => [wsFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))], close: 1007 },
    { name: 'a fragmented ping', frames: () => [wsFrame(0x9, 'ping', { fin: false })], close: 1002 },
    { name: 'a ping with 126 bytes', frames: () => [wsFrame(0x9, 'p'.repeat(126))], close: 1002 },
    { name: 'a continuation frame with nothing to continue', frames: (i) => [wsFrame(0x0, i)], close: 1002 },
    { name: 'a new text frame inside a fragmented one', frames: (i) => [wsFrame(0x1, i.slice(0, 5), { fin: false }), wsFrame(0x1, i.slice(5))], close: 1002 },
    { name: 'a close frame with the reserved code 1005', frames: () => [wsFrame(0x8, closePayload(1005))], close: 1002 },
    { name: 'a close frame with a 1-byte payload', frames: () => [wsFrame(0x8, Buffer.from([0x03]))], close: 1002 },
    { name: 'a frame header declaring 2^53 bytes', frames: () => [wsFrame(0x1, Buffer.alloc(0), { declaredLength: 2 ** 53 - 1 })], close: 1009 },
    { name: 'a frame header declaring 10 MB', frames: () => [wsFrame(0x1, Buffer.alloc(0), { declaredLength: 10_000_000 })], close: 1009 },
    { name: 'a frame of 64 KiB + 1', frames: () => [wsFrame(0x1, 'x'.repeat(WS_PAYLOAD_LIMIT + 1))], close: 1009 },
    { name: 'fragments adding up to over 64 KiB', frames: () => [wsFrame(0x1, 'x'.repeat(40_000), { fin: false }), wsFrame(0x0, 'x'.repeat(40_000))], close: 1009 },
  ];
  table('a malformed frame closes the socket with the WebSocket code', frames, (c) => `${c.name} → ${c.close}`, async ({ frames: make, close }) => {
    const raw = await rawWebSocket(dev.wsUrl);
    expect(raw.status).toBe(101);
    for (const frame of make(await INIT_TEXT())) raw.write(frame);
    const end = await raw.ended;
    raw.destroy();
    expect(end.code, JSON.stringify(end)).toBe(close);
  });

  hostile('an init split into three fragments is put together and acknowledged', async () => {
    const raw = await rawWebSocket(dev.wsUrl);
    const text = await INIT_TEXT();
    raw.write(wsFrame(0x1, text.slice(0, 7), { fin: false }));
    raw.write(wsFrame(0x9, 'interleaved ping'));
    raw.write(wsFrame(0x0, text.slice(7, 20), { fin: false }));
    raw.write(wsFrame(0x0, text.slice(20)));
    expect(JSON.parse((await raw.nextText()) ?? 'null')).toEqual({ type: 'connection_ack' });
    raw.write(wsFrame(0x8, closePayload(1000)));
    expect((await raw.ended).code).toBe(1000);
    raw.destroy();
  });

  const operationCases: { name: string; query: string; variables?: Record<string, unknown>; extra?: Record<string, unknown>; codes: string[] }[] = [
    { name: 'a parse error', query: 'subscription {', codes: ['GRAPHQL_PARSE_FAILED'] },
    { name: 'an unknown field', query: 'subscription { nope }', codes: ['GRAPHQL_VALIDATION_FAILED'] },
    { name: 'two root fields in a subscription', query: 'subscription { notificationAdded(userId: "3") { id } notificationsChanged(userId: "3") { ids } }', codes: ['GRAPHQL_VALIDATION_FAILED'] },
    { name: 'depth 12', query: `{ ${'... on Query { '.repeat(12)}__typename${' }'.repeat(12)} }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '5001 tokens', query: `{ ${'__typename '.repeat(5001)}}`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '16 aliases', query: `{ me { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ')} } }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '21 directives', query: `{ me { ${'... @include(if: true) { id } '.repeat(21)}} }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: 'a list literal 2490 deep', query: `{ unreadCount(userId: ${'['.repeat(2490)}"2"${']'.repeat(2490)}) }`, codes: ['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED'] },
    { name: 'a float for an ID variable', query: 'subscription($u: ID!) { notificationAdded(userId: $u) { id } }', variables: { u: 2.5 }, codes: ['BAD_USER_INPUT'] },
    { name: 'null for a required variable', query: 'subscription($u: ID!) { notificationAdded(userId: $u) { id } }', variables: { u: null }, codes: ['BAD_USER_INPUT'] },
    { name: 'a malformed cursor', query: 'subscription { notificationAdded(userId: "3", after: "x") { id } }', codes: ['BAD_USER_INPUT'] },
    { name: 'a malformed user id', query: 'subscription { notificationsChanged(userId: "a b") { ids } }', codes: ['BAD_USER_INPUT'] },
    { name: 'an operationName that names nothing', query: 'subscription A { notificationAdded(userId: "3") { id } }', extra: { operationName: 'Nope' }, codes: ['OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: 'two operations and no operationName', query: 'query A { __typename } query B { __typename }', codes: ['OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: 'a mutation sending 17 KiB of data', query: 'mutation($d: JSON) { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "hostile-payload", data: $d}) { id } }', variables: { d: { x: 'x'.repeat(17 * 1024) } }, codes: ['BAD_USER_INPUT'] },
  ];
  table('a bad operation over graphql-ws gets an error with its code and the socket stays open', operationCases, (c) => c.name, async ({ query, variables, extra = {}, codes }) => {
    const session = await wsConnected(dev.wsUrl, await serviceToken(uniqueSubject('ws-op')));
    session.send(subscribe('op', query, { ...(variables && { variables }), ...extra }));
    const errors = await operationErrors(session, 'op');
    expectCleanErrors(errors, JSON.stringify(errors));
    for (const code of codesOf({ errors })) expect(codes).toContain(code);
    // Still open and serving.
    session.send(subscribe('after', '{ __typename }'));
    expect(await session.until((m) => m.id === 'after')).toMatchObject({ type: 'next', payload: { data: { __typename: 'Query' } } });
    await session.close();
  });

  aftermath(() => dev);
});
