/**
 * The system the hostile families attack (test/e2e/hostile-*.test.ts), the same in every file that
 * uses it: a development system, or a production one with small limits so the tests are fast;
 * each victim's inbox seeded in every state before any attack; and the aftermath that closes every
 * family (alive, answering, memory bounded, the store holding nothing it should not). Each file
 * starts its own, in its own process, because the memory checks measure that process: the server
 * and its attacker together. Its store is PostgreSQL (a schema of its own): a fresh PGlite costs
 * about 7 s of CPU per system (initdb in a child process), which, paid once per family file, would
 * double the suite's time; no refused input reaches the store, and the embedded store has the
 * contract tests and the other end-to-end files.
 */
import { beforeAll, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/caller.js';
import type { Env } from '../../src/config.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { tokenFor, userToken } from './auth.js';
import { wsClient, wsSubscribe } from './graphql.js';
import { heldBytes, postGraphQL } from './hostile.js';
import { startTestSystem, waitUntilReady, type TestSystem } from './system.js';

// ---------------------------------------------------------------------------------------------
// Limits the production-mode system runs with (small, so the tests are fast)

export const PROD = {
  headersTimeoutMs: 1500,
  requestTimeoutMs: 2000,
  connectionsPerUser: 4,
  subscriptionsPerConnection: 5,
  allowedOrigin: 'https://app.example',
};
export const BODY_LIMIT = 1024 * 1024;
export const WS_PAYLOAD_LIMIT = 64 * 1024;
/** What the process (server and tests) may hold more after a family than before it (heap + buffers, after GC). */
const FAMILY_MEMORY_SLACK_BYTES = 64 * 1024 * 1024;
/** …and more after any family than after start-up. */
const TOTAL_MEMORY_SLACK_BYTES = 192 * 1024 * 1024;
/** Every refused send carries this, so the store check can tell if one slipped through. */
export const HOSTILE = 'hostile-payload';
const VICTIMS = ['2', '3', '4'] as const;

export const serviceToken = (sub: string) => tokenFor({ sub, scope: `${SCOPES.send} ${SCOPES.admin}` });
let uniqueCounter = 0;
/** A subject no other case uses, so per-caller limits never bleed between cases. */
export const uniqueSubject = (prefix: string) => `${prefix}-${process.pid}-${(uniqueCounter += 1)}`;

// ---------------------------------------------------------------------------------------------
// The system under attack

export type HarnessMode = 'dev' | 'prod';

export interface Harness {
  name: HarnessMode;
  system: TestSystem;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  /** http://127.0.0.1:<port> */
  root: string;
  admin: string;
  /** Per victim: every notification the inbox should hold, with its status. */
  expected: Map<string, Map<string, string>>;
  /** Per victim: the highest seq seen, to replay only what is new. */
  lastSeq: Map<string, number>;
  users: string[];
}

const ENV: Record<HarnessMode, Partial<Record<keyof Env, string>>> = {
  dev: {},
  prod: {
    NODE_ENV: 'production',
    CORS_ORIGINS: PROD.allowedOrigin,
    HTTP_HEADERS_TIMEOUT_MS: String(PROD.headersTimeoutMs),
    HTTP_REQUEST_TIMEOUT_MS: String(PROD.requestTimeoutMs),
    LIMIT_CONNECTIONS_PER_USER: String(PROD.connectionsPerUser),
    LIMIT_SUBSCRIPTIONS_PER_CONNECTION: String(PROD.subscriptionsPerConnection),
  },
};

let memoryBaseline = 0;
const tally = { ran: 0, passed: 0 };

const SNAPSHOT = /* GraphQL */ `
  query Snapshot($u: ID!) {
    notifications(userId: $u, first: 100, filter: { status: [UNREAD, READ, ARCHIVED] }) {
      totalCount
      nodes { id seq status message }
    }
    unreadCount(userId: $u)
  }
`;
interface Snapshot {
  notifications: { totalCount: number; nodes: { id: string; seq: number; status: string; message: string }[] };
  unreadCount: number;
}
export const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id } error { code field message } }
  }
`;
export interface SendManyData {
  sendNotifications: { index: number; notification: { id: string } | null; error: { code: string; field: string | null; message: string } | null }[];
}
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!, $after: String) { notificationAdded(userId: $userId, after: $after) { id seq message } }
`;
interface AddedEvent {
  notificationAdded: { id: string; seq: number; message: string };
}

async function data<T>(h: Harness, query: string, variables: Record<string, unknown> = {}, token: string = h.admin): Promise<T> {
  const answer = await postGraphQL(h.url, { query, variables }, { token });
  if (!answer.body?.data || answer.body.errors?.length) throw new Error(`GraphQL errors: ${answer.text.slice(0, 500)}`);
  return answer.body.data as T;
}

/** Sends as admin and waits until every one is stored, through a feed that replays after `lastSeq`. */
export async function sendAndStore(h: Harness, inputs: Record<string, unknown>[]): Promise<string[]> {
  const recipients = [...new Set(inputs.map((input) => String(input.recipientId)))];
  const client = wsClient(h.wsUrl, { token: await serviceToken(uniqueSubject(`store-${h.name}`)) });
  try {
    const feeds = recipients.map((userId) => ({
      userId,
      feed: wsSubscribe<AddedEvent>(client, ADDED, { userId, after: encodeCursor(h.lastSeq.get(userId) ?? 0) }),
    }));
    const results = (await data<SendManyData>(h, SEND_MANY, { inputs })).sendNotifications;
    const ids = results.map((result) => {
      if (!result.notification) throw new Error(`seed send failed: ${JSON.stringify(result.error)}`);
      return result.notification.id;
    });
    const wanted = new Set(ids);
    for (const { userId, feed } of feeds) {
      const mine = inputs.flatMap((input, index) => (String(input.recipientId) === userId ? [ids[index]!] : []));
      const pending = new Set(mine);
      while (pending.size > 0) {
        const event = await feed.next();
        const added = event.data?.notificationAdded;
        if (!added) throw new Error(`feed error: ${JSON.stringify(event.errors)}`);
        // Anything stored that nobody sent legitimately is exactly what must never happen.
        expect(wanted.has(added.id), `unexpected notification stored for ${userId}: ${JSON.stringify(added)}`).toBe(true);
        h.lastSeq.set(userId, Math.max(h.lastSeq.get(userId) ?? 0, added.seq));
        pending.delete(added.id);
      }
      await feed.close();
    }
    return ids;
  } finally {
    await client.dispose();
  }
}

async function snapshot(h: Harness, userId: string): Promise<Snapshot> {
  return data<Snapshot>(h, SNAPSHOT, { u: userId });
}

/** Starts the system in `mode`, seeds every victim's inbox, and records the memory it starts with. */
export async function startHarness(name: HarnessMode): Promise<Harness> {
  const system = await startTestSystem({ store: 'postgres', env: ENV[name] });
  await waitUntilReady(system);
  const url = system.url.replace('//localhost:', '//127.0.0.1:');
  const h: Harness = {
    name,
    system,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    root: new URL(url).origin,
    admin: await serviceToken(`hostile-admin-${name}`),
    expected: new Map(),
    lastSeq: new Map(),
    users: ['1', '2', '3', '4'],
  };
  if (name === 'dev') {
    await data(h, `mutation { upsertUser(id: "sink", name: "Sink") { id } }`);
    h.users.push('sink');
  }
  // Each victim's inbox holds a few notifications in every state before any attack.
  const seeded = await sendAndStore(
    h,
    VICTIMS.flatMap((victim) => [
      { senderId: '1', recipientId: victim, kind: 'follow', message: `seed: Emma follows ${victim}` },
      { senderId: victim === '4' ? '3' : '4', recipientId: victim, kind: 'like', message: `seed: a like for ${victim}`, link: '/posts/1' },
      { senderId: '2' === victim ? '3' : '2', recipientId: victim, kind: 'comment', message: `seed: a comment for ${victim}`, data: { post: 1 } },
    ]),
  );
  for (const [index, victim] of VICTIMS.entries()) {
    const [, read, archived] = seeded.slice(index * 3, index * 3 + 3);
    await data(h, `mutation($u: ID!, $ids: [ID!]!) { markNotificationsRead(userId: $u, ids: $ids) { unreadCount } }`, { u: victim, ids: [read] });
    await data(h, `mutation($u: ID!, $ids: [ID!]!) { archiveNotifications(userId: $u, ids: $ids) { unreadCount } }`, { u: victim, ids: [archived] });
  }
  for (const victim of VICTIMS) {
    const snap = await snapshot(h, victim);
    h.expected.set(victim, new Map(snap.notifications.nodes.map((node) => [node.id, node.status])));
  }
  memoryBaseline = heldBytes();
  return h;
}

/** Stops the system and says how many hostile cases this file ran and how many held. */
export async function stopHarness(h: Harness | undefined, family: string): Promise<void> {
  console.log(`${family}: ${tally.ran} cases, ${tally.passed} passed`);
  await h?.system.dispose();
}

// ---------------------------------------------------------------------------------------------
// Case tables

interface CaseOptions {
  concurrent?: boolean;
  timeout?: number;
}

/** One hostile case: counted when it starts, and as passed only if every assertion held. */
export function hostile(title: string, run: () => Promise<void>, { concurrent = false, timeout }: CaseOptions = {}) {
  const body = async () => {
    tally.ran += 1;
    await run();
    tally.passed += 1;
  };
  if (concurrent) it.concurrent(title, body, timeout);
  else it(title, body, timeout);
}

export function table<T>(label: string, cases: readonly T[], title: (c: T) => string, run: (c: T) => Promise<void>, options: CaseOptions = {}) {
  for (const c of cases) hostile(`${label}: ${title(c)}`, () => run(c), options);
}

export const gql = (h: Harness, query: string, variables: Record<string, unknown> = {}, token: string | null = h.admin, headers: Record<string, string> = {}) =>
  postGraphQL(h.url, { query, variables }, { token, headers });

// ---------------------------------------------------------------------------------------------
// After each family: alive, answering, bounded, and the store untouched

const USERS_QUERY = `{ users { id } }`;

export function aftermath(getHarness: () => Harness) {
  let familyStart = 0;
  beforeAll(() => {
    familyStart = heldBytes();
  });
  it('aftermath: /health answers, a normal query works, memory is bounded, the store holds nothing it should not', async () => {
    const h = getHarness();
    const health = await fetch(`${h.root}/health`);
    expect(health.status).toBe(200);
    const users = await data<{ users: { id: string }[] }>(h, USERS_QUERY);
    // No user was created by any refused call.
    expect(users.users.map((user) => user.id).sort()).toEqual([...h.users].sort());
    const me = await data<{ me: { id: string } | null }>(h, `{ me { id } }`, {}, await userToken('2'));
    expect(me.me?.id).toBe('2');

    // A canary to each victim, sent after every refused call: once it is stored, anything sent
    // before it to the same recipient (same partition) is stored too. sendAndStore fails on
    // anything but the canary arriving on the replayed feed.
    const canaries = await sendAndStore(
      h,
      VICTIMS.map((victim) => ({ senderId: '1', recipientId: victim, kind: 'comment', message: `canary for ${victim}` })),
    );
    for (const [index, victim] of VICTIMS.entries()) {
      const expected = h.expected.get(victim)!;
      expected.set(canaries[index]!, 'UNREAD');
      const snap = await snapshot(h, victim);
      const held = new Map(snap.notifications.nodes.map((node) => [node.id, node.status]));
      expect(held, `inbox of ${victim}`).toEqual(expected);
      expect(snap.notifications.totalCount).toBe(expected.size);
      expect(snap.unreadCount).toBe([...expected.values()].filter((status) => status === 'UNREAD').length);
      for (const node of snap.notifications.nodes) expect(node.message).not.toContain(HOSTILE);
    }

    const held = heldBytes();
    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
    const summary = `held ${mib(held)}: ${mib(familyStart)} before this family, ${mib(memoryBaseline)} at start`;
    expect(held - familyStart, summary).toBeLessThan(FAMILY_MEMORY_SLACK_BYTES);
    expect(held - memoryBaseline, summary).toBeLessThan(TOTAL_MEMORY_SLACK_BYTES);
  }, 30_000);
}
