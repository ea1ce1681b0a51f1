/**
 * Preferences end to end on the real broker and store (issue 17): a user mutes LIKE; a like sent
 * to them is neither stored nor pushed, while a mention sent after it is (the like went first to
 * the same partition, keyed by the recipient, so once the mention is pushed the like was handled),
 * and the muted metric counted it. SYSTEM is critical: muting it is refused, and it is stored.
 * Every wait is on an event (a push), none on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { readMetrics, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USER = '2';
const PREFERENCES_FIELDS = 'timeZone kinds { kind inApp delivery critical }';
const PREFERENCES = /* GraphQL */ `query Prefs($userId: ID) { preferences(userId: $userId) { ${PREFERENCES_FIELDS} } }`;
const SET_PREFERENCES = /* GraphQL */ `mutation SetPrefs($input: PreferencesInput!) { setPreferences(input: $input) { ${PREFERENCES_FIELDS} } }`;
const SEND = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;
const ADDED = /* GraphQL */ `subscription Added($after: String) { notificationAdded(after: $after) { id kind } }`;
const FEED = /* GraphQL */ `query Feed { notifications(first: 20) { totalCount nodes { id kind } } }`;

interface KindPreference {
  kind: string;
  inApp: boolean;
  delivery: string;
  critical: boolean;
}
interface Preferences {
  timeZone: string;
  kinds: KindPreference[];
}

let system: TestSystem;
let token: string;
beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
  token = await userToken(USER);
});
afterAll(async () => {
  await system?.dispose();
});

const asUser = () => ({ token });
const send = async (kind: string, message: string): Promise<string> =>
  (
    await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, {
      input: { recipientId: USER, kind, message, ...(kind !== 'system' && { senderId: '3' }) },
    })
  ).sendNotification.id;
const kindOf = (preferences: Preferences, kind: string) => preferences.kinds.find((k) => k.kind === kind);

describe('preferences', () => {
  it('starts from the defaults: every kind in-app and immediate, SYSTEM critical, UTC', async () => {
    const { preferences } = await graphqlData<{ preferences: Preferences }>(system.url, PREFERENCES, {}, asUser());
    expect(preferences).toEqual({
      timeZone: 'UTC',
      kinds: ['follow', 'mention', 'like', 'comment', 'system'].map((kind) => ({ kind, inApp: true, delivery: 'IMMEDIATE', critical: kind === 'system' })),
    });
  });

  it('refuses to mute a critical kind, and a time zone that is not an IANA name', async () => {
    const muteSystem = await graphql(system.url, SET_PREFERENCES, { input: { kinds: [{ kind: 'system', inApp: false }] } }, asUser());
    expect(muteSystem.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'kinds' })]);
    for (const timeZone of ['Mars/Olympus_Mons', '+01:00', 'CEST']) {
      const answer = await graphql(system.url, SET_PREFERENCES, { input: { timeZone } }, asUser());
      expect(answer.errors?.map((e) => e.extensions), timeZone).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'timeZone' })]);
    }
    // Nothing of a refused change was kept.
    const { preferences } = await graphqlData<{ preferences: Preferences }>(system.url, PREFERENCES, {}, asUser());
    expect(preferences.timeZone).toBe('UTC');
    expect(kindOf(preferences, 'system')).toMatchObject({ inApp: true });
  });

  it('drops a muted kind before storing it, counts it, and still stores and pushes what comes after, SYSTEM included', async () => {
    const { setPreferences } = await graphqlData<{ setPreferences: Preferences }>(
      system.url,
      SET_PREFERENCES,
      { input: { timeZone: 'US/Eastern', kinds: [{ kind: 'like', inApp: false }, { kind: 'comment', delivery: 'DAILY_DIGEST' }] } },
      asUser(),
    );
    expect(setPreferences.timeZone).toBe('America/New_York');
    expect(kindOf(setPreferences, 'like')).toEqual({ kind: 'like', inApp: false, delivery: 'IMMEDIATE', critical: false });
    expect(kindOf(setPreferences, 'comment')).toEqual({ kind: 'comment', inApp: true, delivery: 'DAILY_DIGEST', critical: false });

    const mutedBefore = sample(await readMetrics(system.metricsUrl), 'notify_notifications_muted_total', { kind: 'like' });
    const ws = wsClient(system.wsUrl, asUser());
    // From the start of the inbox: what is stored before the subscription is live is replayed.
    const feed = wsSubscribe<{ notificationAdded: { id: string; kind: string } }>(ws, ADDED, { after: encodeCursor(0) });
    try {
      const like = await send('like', 'Rick liked your post');
      const system_ = await send('system', 'your password was changed');
      const mention = await send('mention', 'Rick mentioned you');
      const pushed: string[] = [];
      while (pushed.at(-1) !== mention) pushed.push((await feed.next()).data!.notificationAdded.id);
      expect(pushed).toEqual([system_, mention]);
      expect(pushed).not.toContain(like);

      const { notifications } = await graphqlData<{ notifications: { totalCount: number; nodes: { id: string; kind: string }[] } }>(system.url, FEED, {}, asUser());
      expect(notifications.nodes.map((n) => n.id)).toEqual([mention, system_]);
      expect(notifications.totalCount).toBe(2);
      const metrics = await readMetrics(system.metricsUrl);
      expect(sample(metrics, 'notify_notifications_muted_total', { kind: 'like' }) - mutedBefore).toBe(1);
      expect(sample(metrics, 'notify_notifications_muted_total', { kind: 'system' })).toBe(0);

      // Unmuted, a like is stored and pushed again.
      await graphqlData(system.url, SET_PREFERENCES, { input: { kinds: [{ kind: 'like', inApp: true }] } }, asUser());
      const secondLike = await send('like', 'Rick liked another post');
      expect((await feed.next()).data!.notificationAdded).toEqual({ id: secondLike, kind: 'like' });
    } finally {
      await feed.close();
      await ws.dispose();
    }
  });

  it('reads back what was set, for the user and for an admin service naming them', async () => {
    const own = (await graphqlData<{ preferences: Preferences }>(system.url, PREFERENCES, {}, asUser())).preferences;
    const byAdmin = (await graphqlData<{ preferences: Preferences }>(system.url, PREFERENCES, { userId: USER })).preferences;
    expect(byAdmin).toEqual(own);
    expect(own.timeZone).toBe('America/New_York');
    expect(own.kinds.map((k) => [k.kind, k.inApp, k.delivery])).toEqual([
      ['follow', true, 'IMMEDIATE'],
      ['mention', true, 'IMMEDIATE'],
      ['like', true, 'IMMEDIATE'],
      ['comment', true, 'DAILY_DIGEST'],
      ['system', true, 'IMMEDIATE'],
    ]);
  });
});
