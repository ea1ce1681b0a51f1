/**
 * Hostile GraphQL documents: ones that do not parse or do not fit the schema, with no single
 * operation to run, introspection cycles, depth, width, aliases, directives, fragment bombs, token
 * floods, cost, 900 KB names, deep value literals and variables of the wrong type. Each is refused
 * with a client code and a short message, quickly, never INTERNAL_SERVER_ERROR; afterwards the
 * server still answers, its memory is bounded, and the store holds nothing it should not.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { aftermath, gql, type Harness, HOSTILE, startHarness, stopHarness, table } from '../support/hostile-system.js';
import { codesOf, expectCleanErrors, expectCode } from '../support/hostile.js';

let dev: Harness;

beforeAll(async () => {
  dev = await startHarness('dev');
}, 120_000);

afterAll(() => stopHarness(dev, 'hostile-documents'));

describe('GraphQL documents', () => {
  const parseErrors = [
    '{',
    '}',
    '{ __typename',
    'query',
    'query {',
    '{ unreadCount(: 1) }',
    '{ unreadCount(userId: ) }',
    '{ __typename } }',
    '\u0001',
    'fragment',
    '{ ... }',
    '{ __typename @ }',
    'query($: Int) { __typename }',
    '{ unreadCount(userId: "\\u12") }',
    '{ unreadCount(userId: 1.) }',
    '{ unreadCount(userId: 0x10) }',
    '{ unreadCount(userId: """unterminated) }',
    'subscription',
    'mutation { }',
    '{ unreadCount(userId: "\\ud800") }',
    '{ unreadCount(userId: "line\nbreak") }',
    '"just a string"',
    '{ a: b: c }',
    `{ ${'('.repeat(50)} }`,
  ];
  table('a document that does not parse is GRAPHQL_PARSE_FAILED', parseErrors, (c) => JSON.stringify(c).slice(0, 60), async (query) => {
    expectCode(await gql(dev, query), 'GRAPHQL_PARSE_FAILED', { status: [200, 400] });
  });

  const invalid = [
    '{ nope }',
    '{ unreadCount(nope: 1) }',
    '{ notifications(userId: "2", first: "ten") { totalCount } }',
    '{ user { id } }',
    'query($u: ID) { __typename }',
    '{ unreadCount(userId: $undefined) }',
    '{ ...Missing }',
    'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
    'subscription { notificationAdded(userId: "2") { id } notificationsChanged(userId: "2") { ids } }',
    '{ unreadCount(userId: "2") { x } }',
    '{ me }',
    '{ __typename @nope }',
    '{ __typename @include(if: true) @include(if: true) }',
    '{ me { ... on Notification { id } } }',
    'fragment F on Query { __typename } { __typename }',
    '{ notifications(userId: "2", filter: { status: [NOPE] }) { totalCount } }',
    '{ notifications(userId: "2", filter: { nope: 1 }) { totalCount } }',
    'mutation { sendNotification(input: { recipientId: "2", kind: FOLLOW }) { id } }',
    'query($i: SendNotificationInput) { __typename(x: $i) }',
  ];
  table('a document that does not fit the schema is GRAPHQL_VALIDATION_FAILED', invalid, (c) => c.slice(0, 70), async (query) => {
    expectCode(await gql(dev, query), 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
  });

  const unresolvable = [
    '{ __typename } { __typename }',
    'query A { __typename } query A { __typename }',
    'query A { __typename } mutation B { markAllNotificationsRead(userId: "3") { unreadCount } }',
  ];
  table('a document with no single operation to run is refused', unresolvable, (c) => c.slice(0, 70), async (query) => {
    expectCode(await gql(dev, query), ['OPERATION_RESOLUTION_FAILURE', 'GRAPHQL_VALIDATION_FAILED'], { status: [200, 400] });
  });

  // graphql-js bounds introspection's own cycles (fields → type → fields …); depth limits leave introspection to it.
  const typeCycle = (levels: number): string =>
    levels === 0 ? 'name' : `name fields { type { ${typeCycle(levels - 1)} } } interfaces { ${typeCycle(levels - 1)} } possibleTypes { ${typeCycle(levels - 1)} }`;
  const introspectionBombs = [
    { name: 'types → fields → type, 4 cycles', query: `{ __schema { types { ${typeCycle(4)} } } }` },
    { name: '__type → possibleTypes → interfaces, 4 cycles', query: `{ __type(name: "NotificationContent") { ${typeCycle(4)} } }` },
    { name: 'inputFields → type → inputFields', query: `{ __schema { types { inputFields { type { inputFields { type { inputFields { type { inputFields { type { name } } } } } } } } } } }` },
  ];
  table('an introspection cycle bomb is refused (development)', introspectionBombs, (c) => c.name, async ({ query }) => {
    expectCode(await gql(dev, query), 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400], alsoAllowed: ['QUERY_TOO_COMPLEX'] });
  });

  const nestInline = (levels: number) => `{ ${'... on Query { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
  const nestSpread = (levels: number) => `{ ${'... { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
  const namedChain = (levels: number) =>
    `{ ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ... on Query { ${i + 1 < levels ? `...F${i + 1}` : '__typename'} } }`).join(' ')}`;
  const deep = [
    { name: 'inline fragments 11 deep', query: nestInline(11) },
    { name: 'inline fragments 20 deep', query: nestInline(20) },
    { name: 'inline fragments 300 deep', query: nestInline(300) },
    { name: 'bare spreads 1000 deep', query: nestSpread(1000) },
    { name: 'bare spreads 1240 deep', query: nestSpread(1240) },
    { name: 'a chain of 30 named fragments', query: namedChain(30) },
    { name: 'fields 1000 deep', query: `{ ${'a { '.repeat(1000)}b${' }'.repeat(1000)} }` },
    { name: 'fields 1600 deep', query: `{ ${'a { '.repeat(1600)}b${' }'.repeat(1600)} }` },
  ];
  table('a deep document is QUERY_TOO_COMPLEX', deep, (c) => c.name, async ({ query }) => {
    expectCode(await gql(dev, query), 'QUERY_TOO_COMPLEX', { status: [200, 400], alsoAllowed: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  // Value literals nested deep, under the token limit: graphql-js parses them recursively.
  const deepLiterals = [
    { name: 'a list literal 1000 deep', query: `{ unreadCount(userId: ${'['.repeat(1000)}"2"${']'.repeat(1000)}) }` },
    { name: 'a list literal 2490 deep', query: `{ unreadCount(userId: ${'['.repeat(2490)}"2"${']'.repeat(2490)}) }` },
    { name: 'an object literal 1240 deep', query: `{ notifications(userId: "2", filter: ${'{a: '.repeat(1240)}1${'}'.repeat(1240)}) { totalCount } }` },
    { name: 'a JSON data literal 2490 deep', query: `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "${HOSTILE}", data: ${'['.repeat(2490)}1${']'.repeat(2490)}}) { id } }` },
    { name: 'a variable type 2490 lists deep', query: `query($a: ${'['.repeat(2490)}Int${']'.repeat(2490)}) { __typename }` },
  ];
  table(
    'a deep value literal is refused with a client code, never INTERNAL_SERVER_ERROR',
    deepLiterals,
    (c) => c.name,
    async ({ query }) => {
      const answer = await gql(dev, query);
      const context = answer.text.slice(0, 300);
      expectCleanErrors(answer.body?.errors, context);
      for (const code of codesOf(answer.body)) expect(['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'], context).toContain(code);
    },
  );

  const aliases = (n: number) => `{ me { ${Array.from({ length: n }, (_, i) => `a${i}: id`).join(' ')} } }`;
  const rootFields = (n: number) => `{ ${Array.from({ length: n }, () => '__typename').join(' ')} }`;
  const inlineRoots = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `... on Query { u${i}: unreadCount(userId: "2") }`).join(' ')} }`;
  const spreadRoots = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `...R${i}`).join(' ')} } ${Array.from({ length: n }, (_, i) => `fragment R${i} on Query { __typename }`).join(' ')}`;
  const directives = (n: number) => `{ me { ${Array.from({ length: n }, () => '... @include(if: true) { id }').join(' ')} } }`;
  const fragmentBomb = (n: number) =>
    `query { me { ...F${n} } } fragment F0 on User { id } ${Array.from({ length: n }, (_, i) => `fragment F${i + 1} on User { ...F${i} ...F${i} }`).join(' ')}`;
  const rootBomb = (n: number) =>
    `query { ...Q${n} } fragment Q0 on Query { me { id } } ${Array.from({ length: n }, (_, i) => `fragment Q${i + 1} on Query { ...Q${i} ...Q${i} }`).join(' ')}`;
  const costly = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `n${i}: notifications(userId: "2", first: 100) { edges { node { sender { id name } recipient { id name } } } nodes { sender { id } } }`).join(' ')} }`;
  const wide: { name: string; query: string; codes?: string[] }[] = [
    { name: '16 aliases', query: aliases(16) },
    { name: '100 aliases', query: aliases(100) },
    { name: '1000 aliases', query: aliases(1000) },
    { name: '11 root fields', query: rootFields(11) },
    { name: '500 root fields', query: rootFields(500) },
    { name: '11 root fields in inline fragments', query: inlineRoots(11) },
    { name: '11 root fields through named fragments', query: spreadRoots(11) },
    { name: '21 directives', query: directives(21) },
    { name: '200 directives', query: directives(200) },
    { name: `5001 tokens`, query: rootFields(5001) },
    { name: 'a token flood of punctuation', query: `{ __typename ${'@a '.repeat(2600)}}` },
    { name: '1700 variable definitions', query: `query(${Array.from({ length: 1700 }, (_, i) => `$v${i}: Int`).join(' ')}) { __typename }` },
    { name: 'a fragment bomb (2^10)', query: fragmentBomb(10) },
    { name: 'a fragment bomb (2^40)', query: fragmentBomb(40) },
    { name: 'a root fragment bomb (2^30)', query: rootBomb(30) },
    { name: 'cost: 6 inboxes of 100 with users', query: costly(6) },
    { name: 'cost: a page of 2^31-1', query: `{ notifications(userId: "2", first: 2147483647) { nodes { id sender { id } } } }` },
    // graphql-js gives up after 100 errors ("Validation aborted."): refused all the same.
    { name: '2000 copies of one field', query: `{ me { ${'id '.repeat(2000)}} }`, codes: ['QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: '900 overlapping inline fragments', query: `{ me { ${'... on User { id } '.repeat(900)}} }` },
  ];
  table('a wide or bombed document is QUERY_TOO_COMPLEX', wide, (c) => c.name, async ({ query, codes = ['QUERY_TOO_COMPLEX'] }) => {
    const started = Date.now();
    expectCode(await gql(dev, query), codes, { status: [200, 400], alsoAllowed: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(Date.now() - started, 'the refusal took too long').toBeLessThan(2000);
  });

  const mega = 'x'.repeat(900_000);
  const huge: { name: string; query: () => string; code: string }[] = [
    { name: 'a 900 KB field name', query: () => `{ ${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB argument name', query: () => `{ unreadCount(${mega}: 1) }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB fragment name', query: () => `{ ...${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB directive name', query: () => `{ __typename @${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB type condition', query: () => `{ ... on ${mega} { __typename } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB enum value', query: () => `{ notifications(filter: { status: [${mega}] }) { totalCount } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB kind', query: () => `{ notifications(userId: "2", filter: { kind: ["${mega}"] }) { totalCount } }`, code: 'BAD_USER_INPUT' },
    { name: 'a 900 KB variable type', query: () => `query($v: ${mega}) { __typename }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB string argument', query: () => `{ unreadCount(userId: "${mega}") }`, code: 'BAD_USER_INPUT' },
    { name: 'a 900 KB unterminated string', query: () => `{ unreadCount(userId: "${mega} }`, code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'a 900 KB block string message', query: () => `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: """${HOSTILE}${mega}"""}) { id } }`, code: 'BAD_USER_INPUT' },
  ];
  table('a huge name or string is refused with a short message', huge, (c) => c.name, async ({ query, code }) => {
    expectCode(await gql(dev, query()), code, { status: [200, 400] });
  });

  const WRONG_VARIABLES: { name: string; query: string; variables: Record<string, unknown> }[] = [
    { name: 'a string for Int', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 'ten' } },
    { name: 'a float for Int', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 1.5 } },
    { name: 'an Int over 2^31', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 2 ** 31 } },
    { name: 'an object for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: { id: '2' } } },
    { name: 'a float for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: 2.5 } },
    { name: 'true for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: true } },
    { name: 'an array for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: ['2'] } },
    { name: 'null for a required ID', query: 'query($u: ID!) { unreadCount(userId: $u) }', variables: { u: null } },
    { name: 'a required ID left out', query: 'query($u: ID!) { unreadCount(userId: $u) }', variables: {} },
    { name: 'an unknown enum value', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { status: ['NOPE'] } } },
    { name: 'a lower-case enum value', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { status: ['unread'] } } },
    { name: 'a number for an enum', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { kind: [1] } } },
    { name: 'an unknown input field', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { owner: '3' } } },
    { name: 'a string for an input object', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: 'UNREAD' } },
    { name: 'an object for a String', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: '3', kind: 'follow', message: { text: HOSTILE } } } },
    { name: 'a number for an enum in an input', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: '3', kind: 1, message: HOSTILE } } },
    { name: 'null for a required input field', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: null, kind: 'follow', message: HOSTILE } } },
    { name: 'a list of 10 000 nulls for [ID!]!', query: 'mutation($ids: [ID!]!) { markNotificationsRead(userId: "3", ids: $ids) { unreadCount } }', variables: { ids: Array.from({ length: 10_000 }, () => null) } },
  ];
  table('a variable of the wrong type is BAD_USER_INPUT', WRONG_VARIABLES, (c) => c.name, async ({ query, variables }) => {
    expectCode(await gql(dev, query, variables), 'BAD_USER_INPUT', { status: [200, 400] });
  });

  aftermath(() => dev);
});
