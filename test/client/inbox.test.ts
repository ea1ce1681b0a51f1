/**
 * createInbox of @kafka-notify/client as a script uses it, against the real system (Kafka, store,
 * HTTP, graphql-ws and SSE): its stores start when watched and stop when left, its feed pages and
 * merges live additions once, its actions apply their answers at once, and after a dropped
 * connection it asks for a fresh token, resumes by cursor and shows exactly what was missed.
 * Each test acts as a user of its own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createInbox, type Inbox, type InboxOptions, type InboxState } from '../../packages/client/src/index.js';
import { graphqlData } from '../support/graphql.js';
import { inboxUsers } from '../support/inbox-users.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { networkGate } from '../support/network-gate.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const LIVE = { timeout: 20_000 };

describe('@kafka-notify/client createInbox', () => {
  let system: TestSystem;
  let gate: ReturnType<typeof networkGate>;
  const open: Inbox[] = [];

  beforeAll(async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
    // Every WebSocket of this file's own server: the tests run one at a time.
    gate = networkGate(system.app.server, () => true);
  });
  // Each test starts with no subscription of an earlier one, so it can count its own exactly.
  afterEach(async () => {
    for (const inbox of open.splice(0)) inbox.dispose();
    await Promise.all([active('notificationAdded', 0), active('notificationsChanged', 0)]);
  });
  afterAll(() => system?.dispose());

  const newUser = inboxUsers(() => system.url, 'vanilla', LIVE);

  function inboxFor(token: string, options: Partial<InboxOptions> = {}): Inbox {
    const inbox = createInbox({ url: system.url, getToken: () => token, webSocketImpl: WebSocket, ...options });
    open.push(inbox);
    return inbox;
  }

  /** The latest state each time it changes, and a way to wait until it says something. */
  function watch(inbox: Inbox) {
    let latest = inbox.getState();
    const stop = inbox.subscribe((state) => (latest = state));
    const until = (check: (state: InboxState) => boolean) => expect.poll(() => check(latest), LIVE).toBe(true);
    return { state: () => latest, until, stop };
  }

  const active = (field: string, count: number) =>
    metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field }) === count, `${count} ${field} subscriptions`);
  const messages = (state: InboxState) => state.feed.notifications.map((n) => n.message);

  it('opens a feed only while someone watches it, and closes everything on dispose', async () => {
    const user = await newUser();
    const inbox = inboxFor(user.token);
    await active('notificationsChanged', 1);
    await active('notificationAdded', 0);
    expect(inbox.getState().feed.loading).toBe(true);

    const watcher = watch(inbox);
    await watcher.until((state) => !state.feed.loading && !state.unread.loading && state.connectionStatus === 'live');
    await active('notificationAdded', 1);
    watcher.stop();
    await active('notificationAdded', 0);

    inbox.dispose();
    await active('notificationsChanged', 0);
  });

  it('pages newest first, merges a live addition once, and follows the pushed count', async () => {
    const user = await newUser();
    await user.send('n1', 'n2', 'n3');
    await user.stored(3);
    const inbox = inboxFor(user.token, { pageSize: 2 });
    const watcher = watch(inbox);
    await watcher.until((state) => messages(state).join() === 'n3,n2' && state.unread.count === 3);
    expect(watcher.state().feed.hasMore).toBe(true);

    await inbox.loadMore();
    expect(messages(watcher.state())).toEqual(['n3', 'n2', 'n1']);
    expect(watcher.state().feed.hasMore).toBe(false);

    await active('notificationAdded', 1);
    await user.send('n4');
    await watcher.until((state) => messages(state).join() === 'n4,n3,n2,n1' && state.unread.count === 4);
    watcher.stop();
  });

  it('applies markRead, archive and markAllRead to the count and every feed at once', async () => {
    const user = await newUser();
    await user.send('keep', 'read me', 'archive me');
    await user.stored(3);
    const inbox = inboxFor(user.token);
    const watcher = watch(inbox);
    const mentions = inbox.feed({ filter: { status: ['UNREAD'] } });
    let unreadOnly = mentions.getState();
    const stopUnreadOnly = mentions.subscribe((state) => (unreadOnly = state));
    await watcher.until((state) => state.feed.notifications.length === 3 && state.unread.count === 3);
    await expect.poll(() => unreadOnly.notifications.length, LIVE).toBe(3);
    const idOf = (message: string) => watcher.state().feed.notifications.find((n) => n.message === message)!.id;

    const read = await inbox.markRead([idOf('read me')]);
    expect(read.unreadCount).toBe(2);
    expect(watcher.state().unread.count).toBe(2);
    expect(watcher.state().feed.notifications.find((n) => n.message === 'read me')?.status).toBe('READ');
    expect(unreadOnly.notifications.map((n) => n.message)).toEqual(['archive me', 'keep']);

    await inbox.archive([idOf('archive me')]);
    expect(messages(watcher.state())).toEqual(['read me', 'keep']);
    expect(watcher.state().unread.count).toBe(1);

    await inbox.markAllRead();
    expect(watcher.state().unread.count).toBe(0);
    expect(watcher.state().feed.notifications.map((n) => n.status)).toEqual(['READ', 'READ']);
    expect(unreadOnly.notifications).toEqual([]);
    await expect(inbox.archive(['00000000-0000-4000-8000-000000000000'])).rejects.toThrow(/not/i);
    stopUnreadOnly();
    watcher.stop();
  });

  it('keeps the unseen count apart from the unread one, and another tab follows markAllSeen, markSeen and unarchive', async () => {
    const user = await newUser();
    await user.send('a', 'b', 'c');
    await user.stored(3);
    const [tab, other] = [inboxFor(user.token), inboxFor(user.token)];
    const [here, there] = [watch(tab), watch(other)];
    const counts = (state: InboxState) => [state.unseen.count, state.unread.count];
    for (const side of [here, there]) await side.until((state) => state.feed.notifications.length === 3 && counts(state).join() === '3,3');
    await active('notificationsChanged', 2);
    const idOf = (message: string) => here.state().feed.notifications.find((n) => n.message === message)!.id;

    // Opening the bell in one tab: both badges go to 0, both feeds still show 3 unread.
    const allSeen = await tab.markAllSeen();
    expect(allSeen).toMatchObject({ action: 'ALL_SEEN', unseenCount: 0, unreadCount: 3 });
    expect(counts(here.state())).toEqual([0, 3]);
    await there.until((state) => counts(state).join() === '0,3' && state.feed.notifications.every((n) => n.status === 'UNREAD' && n.seenAt !== null));

    await user.send('d');
    for (const side of [here, there]) await side.until((state) => counts(state).join() === '1,4');
    await tab.markSeen([here.state().feed.notifications.find((n) => n.message === 'd')!.id]);
    for (const side of [here, there]) await side.until((state) => counts(state).join() === '0,4');

    // Archived here, unarchived there: back in both feeds, in its place.
    const b = idOf('b');
    await tab.archive([b]);
    await there.until((state) => messages(state).join() === 'd,c,a' && counts(state).join() === '0,3');
    await other.unarchive([b]);
    for (const side of [here, there]) await side.until((state) => messages(state).join() === 'd,c,b,a' && counts(state).join() === '0,4');
    here.stop();
    there.stop();
  });

  it('sends as the signed-in user', async () => {
    const [ada, ben] = [await newUser(), await newUser()];
    const sent = await inboxFor(ada.token).send({ recipientId: ben.id, kind: 'follow', message: 'Ada follows you' });
    expect(sent.id).toMatch(/^[0-9a-f-]{36}$/);
    await ben.stored(1);
    const [notification] = (await graphqlData<{ notifications: { edges: { node: { sender: { id: string } } }[] } }>(system.url, '{ notifications(first: 1) { edges { node { sender { id } } } } }', {}, { token: ben.token })).notifications.edges;
    expect(notification?.node.sender.id).toBe(ada.id);
  });

  it('works over SSE too', async () => {
    const user = await newUser();
    const watcher = watch(inboxFor(user.token, { transport: 'sse' }));
    await watcher.until((state) => !state.feed.loading && !state.unread.loading);
    await Promise.all([active('notificationAdded', 1), active('notificationsChanged', 1)]);
    await user.send('over sse');
    await watcher.until((state) => messages(state).join() === 'over sse' && state.unread.count === 1);
    watcher.stop();
  });

  it('after a drop asks for a fresh token at each attempt, resumes by cursor, and shows exactly what was missed', { timeout: 60_000 }, async () => {
    const user = await newUser();
    await user.send('before');
    await user.stored(1);
    let token = user.token;
    const handed: string[] = [];
    const inbox = inboxFor('', { getToken: () => (handed.push(token), token) });
    const watcher = watch(inbox);
    await watcher.until((state) => messages(state).join() === 'before' && state.connectionStatus === 'live');
    await active('notificationAdded', 1);

    gate.drop();
    await watcher.until((state) => state.connectionStatus === 'reconnecting');
    await user.send('while away 1', 'while away 2');
    await user.stored(3);
    expect(messages(watcher.state())).toEqual(['before']);

    // A token the server refuses: the client keeps trying, asking for the token each time.
    token = 'not-a-token';
    gate.restore();
    await expect.poll(() => handed.filter((t) => t === 'not-a-token').length, LIVE).toBeGreaterThanOrEqual(2);
    expect(watcher.state().connectionStatus).not.toBe('live');
    token = user.token;

    await watcher.until((state) => state.connectionStatus === 'live' && state.feed.notifications.length >= 3 && state.unread.count === 3);
    expect(messages(watcher.state())).toEqual(['while away 2', 'while away 1', 'before']);
    watcher.stop();
  });
});
