/**
 * Two real app processes (`node --import tsx src/main.ts`, as the fault suite runs it) on their own
 * ports, sharing the run's Kafka broker, one PostgreSQL (a server this file starts, a database of
 * its own) and Redis, with the same topic and consumer group: the topology of docker-compose.yml
 * without Docker. It checks that
 *  1. the topic's partitions are split between the two, each owning at least one (the group's
 *     assignment as the broker holds it: describeGroups);
 *  2. a subscriber on A receives what B consumed, and one on B what A consumed (recipients chosen
 *     on partitions each owns: the recipient id is the Kafka key, placed by kafkajs's default
 *     partitioner, the one the app's producer uses);
 *  3. under a steady load of sends to B (each retried with its idempotencyKey until acknowledged),
 *     A killed with SIGKILL: B takes over every partition (describeGroups: one member holding them
 *     all), and every acknowledged id is stored and pushed to subscribers on B, both those that
 *     were there all along and those that were on A and came over with their last cursor.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type PartitionMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminToken } from '../support/auth.js';
import { graphqlData } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { createApp, type AppHandle } from './support/app.js';
import { startLoad, type Load } from './support/load.js';
import { startPostgres, type LocalPostgres } from './support/postgres.js';
import { killAllManaged } from './support/processes.js';
import { startSubscriber, type Subscriber } from './support/subscriber.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PARTITIONS = 6;
const RATE_PER_SECOND = 30;
/** How often the group's assignment is polled while waiting for it to settle (describeGroups, with a deadline). */
const GROUP_POLL_MS = 250;

interface Owned {
  memberId: string;
  clientId: string;
  partitions: number[];
}

interface GroupView {
  state: string;
  members: Owned[];
}

async function describeGroup(admin: Admin, groupId: string, topic: string): Promise<GroupView> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (!group) return { state: 'Unknown', members: [] };
  return {
    state: group.state,
    members: group.members
      .map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        // An empty assignment (a member that joined, not yet synced) decodes to null.
        partitions: [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
      }))
      .sort((a, b) => a.clientId.localeCompare(b.clientId)),
  };
}

/** Polls describeGroups every GROUP_POLL_MS (a deadline bounds it) until `settled` holds; returns that view. */
async function untilGroup(admin: Admin, groupId: string, topic: string, settled: (view: GroupView) => boolean, timeoutMs: number): Promise<GroupView> {
  const deadline = Date.now() + timeoutMs;
  let last: GroupView | undefined;
  for (;;) {
    last = await describeGroup(admin, groupId, topic).catch((error: unknown) => ({ state: `error: ${String(error)}`, members: [] }));
    if (settled(last)) return last;
    if (Date.now() > deadline) throw new Error(`the group did not settle within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
}

const owning = (view: GroupView, clientId: string) => view.members.find((member) => member.clientId === clientId)?.partitions ?? [];

/** For each partition, one key (recipient id) that kafkajs's default partitioner places there. */
function keysPerPartition(topic: string, partitionMetadata: PartitionMetadata[], prefix: string): Map<number, string> {
  const partitioner = Partitioners.DefaultPartitioner();
  const found = new Map<number, string>();
  for (let i = 0; found.size < partitionMetadata.length; i += 1) {
    if (i > 10_000) throw new Error('no key found for some partition');
    const key = `${prefix}-${i}`;
    const partition = partitioner({ topic, partitionMetadata, message: { key, value: null } });
    if (!found.has(partition)) found.set(partition, key);
  }
  return found;
}

const INBOX = /* GraphQL */ `
  query FailoverInbox($userId: ID!, $after: String) {
    notifications(userId: $userId, first: 100, after: $after, filter: { status: [UNREAD, READ, ARCHIVED] }) {
      nodes { id }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface InboxPage {
  notifications: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

async function storedIds(url: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: InboxPage = await graphqlData<InboxPage>(url, INBOX, { userId, after });
    ids.push(...page.notifications.nodes.map((node) => node.id));
    if (!page.notifications.pageInfo.hasNextPage) return ids;
    after = page.notifications.pageInfo.endCursor;
  }
}

/** Resolves once `subscriber` has received at least `count` pushes (or false at the deadline). */
async function pushesReach(subscriber: Subscriber, count: number, timeoutMs: number): Promise<boolean> {
  const push = await subscriber.firstPush(() => subscriber.pushes.length >= count, timeoutMs);
  return push !== undefined;
}

describe('two instances, one consumer group: failover', () => {
  const runId = randomBytes(4).toString('hex');
  const topic = `failover-${runId}`;
  const groupId = `group-failover-${runId}`;
  const dirs: string[] = [];
  let pg: LocalPostgres | undefined;
  let kafka: Kafka;
  let admin: Admin | undefined;
  let load: Load | undefined;
  const subscribers: Subscriber[] = [];
  const apps: AppHandle[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    kafka = new Kafka({ clientId: 'failover-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await load?.stop();
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    for (const app of apps) await app.stopIfRunning(15_000);
    // Whatever a failure left running (only processes this file started).
    await killAllManaged();
    await admin?.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin?.disconnect();
    await pg?.destroy();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('splits the partitions, pushes across instances, and survives kill -9 of one with nothing lost', { timeout: 150_000 }, async ({ expect }) => {
    if (!pg || !admin) throw new Error('no environment');
    const databaseUrl = await pg.createDatabase(`failover_${runId}`);
    const token = await adminToken;
    const start = async (name: string, clientId: string) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), `kafka-notify-failover-${name}-`));
      dirs.push(dataDir);
      const app = await createApp({
        name: `failover ${name}`,
        brokers: testBrokers(),
        databaseUrl,
        topic,
        groupId,
        dataDir,
        env: { REDIS_URL, KAFKA_CLIENT_ID: clientId, KAFKA_PARTITIONS: String(PARTITIONS) },
      });
      apps.push(app);
      app.start();
      return app;
    };
    const [a, b] = await Promise.all([start('A', 'failover-a'), start('B', 'failover-b')]);
    await Promise.all([a.waitReady(60_000), b.waitReady(60_000)]);

    // 1. The partitions are split: two members, each with at least one, together all of them.
    const split = await untilGroup(
      admin,
      groupId,
      topic,
      (view) =>
        view.state === 'Stable' &&
        view.members.length === 2 &&
        view.members.every((member) => member.partitions.length > 0) &&
        new Set(view.members.flatMap((member) => member.partitions)).size === PARTITIONS,
      30_000,
    );
    const ownedByA = owning(split, 'failover-a');
    const ownedByB = owning(split, 'failover-b');
    expect(ownedByA.length).toBeGreaterThan(0);
    expect(ownedByB.length).toBeGreaterThan(0);
    expect([...ownedByA, ...ownedByB].sort((x, y) => x - y)).toEqual([...Array(PARTITIONS).keys()]);

    // Recipients on partitions each instance owns, placed as the app's producer places them.
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitionMetadata = metadata.topics[0]?.partitions ?? [];
    expect(partitionMetadata).toHaveLength(PARTITIONS);
    const keys = keysPerPartition(topic, partitionMetadata, `fo-${runId}`);
    const onA = ownedByA.map((partition) => keys.get(partition) as string).slice(0, 2);
    const onB = ownedByB.map((partition) => keys.get(partition) as string).slice(0, 2);
    const recipients = [...onA, ...onB];
    for (const id of recipients) {
      await graphqlData(a.url, 'mutation($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id } }', { id, name: `Failover ${id}` });
    }
    const [rA, rB] = [onA[0] as string, onB[0] as string];

    // Subscribers: for each recipient, one on B all along, and one on A that, once A is gone,
    // reconnects to B with its last cursor (as a client behind the compose file's proxy would).
    let aGone = false;
    void a.current().exited.then(() => (aGone = true));
    const viaA = () => (aGone ? b.wsUrl : a.wsUrl);
    const onBAllAlong = new Map(recipients.map((userId) => [userId, startSubscriber({ wsUrl: b.wsUrl, token, userId })]));
    const movingFromA = new Map(recipients.map((userId) => [userId, startSubscriber({ wsUrl: viaA, token, userId })]));
    subscribers.push(...onBAllAlong.values(), ...movingFromA.values());

    // 2. Across instances: rB's event is consumed by B and reaches a subscriber on A; rA's is
    // consumed by A and reaches a subscriber on B.
    const send = (recipientId: string, message: string) =>
      graphqlData<{ sendNotification: { id: string } }>(
        b.url,
        'mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }',
        { input: { senderId: recipientId === rA ? rB : rA, recipientId, kind: 'mention', message } },
      ).then((data) => data.sendNotification.id);
    const [crossToB, crossToA] = await Promise.all([send(rB, 'consumed by B, pushed on A'), send(rA, 'consumed by A, pushed on B')]);
    const [seenOnA, seenOnB] = await Promise.all([
      movingFromA.get(rB)?.firstPush((push) => push.id === crossToB, 20_000),
      onBAllAlong.get(rA)?.firstPush((push) => push.id === crossToA, 20_000),
    ]);
    expect(seenOnA?.id, 'a subscriber on A receives what B consumed').toBe(crossToB);
    expect(seenOnB?.id, 'a subscriber on B receives what A consumed').toBe(crossToA);
    // The assignment held meanwhile: B did consume rB's partition, and A rA's.
    const after = await describeGroup(admin, groupId, topic);
    expect(after.members, 'the assignment did not move during the cross-instance check').toEqual(split.members);

    // 3. A steady load to B; once every subscriber has received some of it, A is killed.
    const running = startLoad({ url: b.url, token, ratePerSecond: RATE_PER_SECOND, recipients, runId: `failover-${runId}` });
    load = running;
    const ackedAt = new Map<string, number>();
    running.onAck((record) => {
      if (record.id !== undefined && record.ackedAt !== undefined) ackedAt.set(record.id, record.ackedAt);
    });
    const flowing = await Promise.all(subscribers.map((subscriber) => pushesReach(subscriber, subscriber.pushes.length + 5, 30_000)));
    expect(flowing, 'every subscriber receives the load before the kill').toEqual(subscribers.map(() => true));

    const victim = a.current();
    a.expectExit();
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await victim.exited;

    // B takes over: one member, B, holding every partition (the session timeout, 10 s, passes first).
    const takenOver = await untilGroup(
      admin,
      groupId,
      topic,
      (view) => view.state === 'Stable' && view.members.length === 1 && view.members[0]?.partitions.length === PARTITIONS,
      45_000,
    );
    const takeoverAt = Date.now();
    expect(takenOver.members.map((member) => member.clientId)).toEqual(['failover-b']);
    expect(owning(takenOver, 'failover-b')).toEqual([...Array(PARTITIONS).keys()]);

    // B consumes what was A's: a send acknowledged after the takeover, to a recipient on one of
    // A's former partitions, reaches its subscribers.
    const afterTakeover = (push: { id: string }) => (ackedAt.get(push.id) ?? -1) >= takeoverAt;
    const resumed = await Promise.all(onA.flatMap((userId) => [onBAllAlong.get(userId), movingFromA.get(userId)]).map((subscriber) => subscriber?.firstPush(afterTakeover, 30_000)));
    expect(resumed.every((push) => push !== undefined), "pushes resume on A's former partitions").toBe(true);
    await running.stop();

    // Every acknowledged id is stored, and pushed exactly once, in order, to every subscriber of its recipient.
    const acked = running.acked();
    const rejected = running.rejected();
    const drained = await Promise.all(
      subscribers.map((subscriber) =>
        subscriber.waitForAll(
          acked.filter((record) => record.recipientId === subscriber.userId).map((record) => record.id as string),
          30_000,
        ),
      ),
    );
    const stored = new Map<string, string[]>();
    for (const userId of recipients) stored.set(userId, await storedIds(b.url, userId));
    // Sends the stop cut short may be stored without an answer: those must be pushed as well.
    await Promise.all(subscribers.map((subscriber) => subscriber.waitForAll(stored.get(subscriber.userId) ?? [], 30_000)));
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));

    const storedAll = new Set([...stored.values()].flat());
    const lost = acked.filter((record) => !storedAll.has(record.id as string)).map((record) => record.id);
    const report = subscribers.map((subscriber) => {
      const expected = stored.get(subscriber.userId) ?? [];
      return {
        userId: subscriber.userId,
        where: onBAllAlong.get(subscriber.userId) === subscriber ? 'B all along' : 'A, then B with its cursor',
        missing: expected.filter((id) => !subscriber.counts.has(id)).length,
        duplicated: [...subscriber.counts.values()].filter((count) => count > 1).length,
        outOfOrder: subscriber.outOfOrder(),
        sockets: subscriber.connections(),
      };
    });
    console.log(
      `failover: partitions A ${JSON.stringify(ownedByA)}, B ${JSON.stringify(ownedByB)}; ${running.sends.length} sent, ${acked.length} acknowledged, ` +
        `${storedAll.size} stored; B held all ${PARTITIONS} partitions ${takeoverAt - killedAt} ms after the kill; ` +
        `attempt errors ${JSON.stringify(Object.fromEntries(running.attemptErrors))}\n${report.map((row) => `  ${JSON.stringify(row)}`).join('\n')}`,
    );

    expect.soft(a.unexpectedExits().concat(b.unexpectedExits()), 'no app exited by itself').toEqual([]);
    expect.soft(rejected.map((record) => record.rejected), 'no send refused').toEqual([]);
    expect.soft(acked.length, 'sends acknowledged').toBeGreaterThan(RATE_PER_SECOND * 5);
    expect.soft(acked.filter((record) => record.ackedAt !== undefined && record.ackedAt > killedAt).length, 'sends acknowledged after the kill').toBeGreaterThan(0);
    expect.soft(lost, 'acknowledged, never stored').toEqual([]);
    expect.soft(drained, 'every acknowledged id pushed to every subscriber of its recipient').toEqual(subscribers.map(() => true));
    expect.soft(report.filter((row) => row.missing || row.duplicated || row.outOfOrder), 'subscribers missing, duplicating or disordering pushes').toEqual([]);
    expect.soft(report.filter((row) => row.where !== 'B all along').every((row) => row.sockets >= 2), "A's subscribers reconnected to B").toBe(true);
    const ids = [...stored.values()].flat();
    expect.soft(ids.length, 'ids listed twice by the store').toBe(storedAll.size);
  });
});
