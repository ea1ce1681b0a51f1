/**
 * One fault scenario end to end: start the real app against the given broker(s) and PostgreSQL,
 * subscribe per recipient, run the load, inject the faults (each followed by a bounded wait for
 * recovery: the first acknowledged send and the first push of a send acknowledged after the
 * fault ended), keep the load going a while, stop it, let the pushes drain (bounded), then
 * compare what was acknowledged with the store and with the pushes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExpectStatic } from 'vitest';
import { adminToken } from '../../support/auth.js';
import { createApp, type AppHandle } from './app.js';
import { startLoad, type Load } from './load.js';
import { recordRow, type ScenarioRow } from './report.js';
import { startSubscriber, type Push, type Subscriber } from './subscriber.js';

export const RECIPIENTS = ['1', '2', '3', '4'];

export interface FaultRecord {
  label: string;
  start: number;
  end: number;
  recoverySendMs: number | null;
  recoveryPushMs: number | null;
}

export interface ScenarioContext {
  app: AppHandle;
  /** The second instance, when the spec asks for one: the subscribers are on it. */
  second: AppHandle | undefined;
  load: Load;
  subscribers: Subscriber[];
  topic: string;
  /**
   * Runs one fault. `body` calls `ended()` when the fault is over (a restarted process spawned, the
   * broker back, SIGCONT sent); without a call the fault ends when `body` resolves. Then waits,
   * at most the recovery bound, for the first acknowledged send and the first new push.
   */
  fault(label: string, body: (ended: () => void) => Promise<void>): Promise<FaultRecord>;
  /** Lets the load run on for `ms` (part of the scenario: steady traffic between faults). */
  steady(ms: number): Promise<void>;
  note(text: string): void;
  /** A condition the scenario must meet besides the table's (asserted with the rest). */
  require(description: string, held: boolean, detail?: string): void;
}

export interface Requirement {
  description: string;
  held: boolean;
  detail?: string;
}

export interface ScenarioSpec {
  name: string;
  brokers: string[];
  databaseUrl: string;
  ratePerSecond: number;
  warmupMs: number;
  afterRecoveryMs: number;
  recoveryBoundMs?: number;
  drainTimeoutMs?: number;
  appEnv?: Record<string, string>;
  /** After the app is ready and before the load starts (topic settings, say). */
  prepare?: (ctx: { app: AppHandle; topic: string }) => Promise<void>;
  faults: (ctx: ScenarioContext) => Promise<void>;
  /**
   * A second instance in the same group, on the same store and settings (give it REDIS_URL in
   * `appEnv`): the subscribers are on it and the load goes to the first, so what one consumes
   * reaches the other's subscribers only through Redis (or the store, when Redis lost it).
   */
  secondInstance?: boolean;
  /** After the load stopped (every send answered or cut off): checks on the whole run, through `ctx.require`. */
  afterLoad?: (ctx: ScenarioContext) => void | Promise<void>;
}

export interface ScenarioResult {
  row: ScenarioRow;
  faults: FaultRecord[];
  recoveryBoundMs: number;
  outOfOrder: number;
  storeDuplicates: number;
  pushedNotStored: number;
  rejectedCodes: Map<string, number>;
  unexpectedExits: ReturnType<AppHandle['unexpectedExits']>;
  details: string;
  notes: string[];
  requirements: Requirement[];
}

const INBOX = /* GraphQL */ `
  query FaultInbox($userId: ID!, $after: String) {
    notifications(userId: $userId, first: 100, after: $after, filter: { status: [UNREAD, READ, ARCHIVED] }) {
      nodes { id }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface InboxPage {
  data?: { notifications: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

async function storedIds(url: string, token: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: INBOX, variables: { userId, after } }),
      signal: AbortSignal.timeout(30_000),
    });
    const page = (await response.json()) as InboxPage;
    if (!page.data || page.errors?.length) throw new Error(`inbox of ${userId}: ${JSON.stringify(page.errors)}`);
    ids.push(...page.data.notifications.nodes.map((node) => node.id));
    if (!page.data.notifications.pageInfo.hasNextPage) return ids;
    after = page.data.notifications.pageInfo.endCursor;
  }
}

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const recoveryBoundMs = spec.recoveryBoundMs ?? 60_000;
  const drainTimeoutMs = spec.drainTimeoutMs ?? 60_000;
  const runId = `${spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${randomBytes(4).toString('hex')}`;
  const topic = `faults-${runId}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kafka-notify-faults-app-'));
  const token = await adminToken;
  const notes: string[] = [];
  const faults: FaultRecord[] = [];
  const requirements: Requirement[] = [];
  const app = await createApp({ name: `app(${spec.name})`, brokers: spec.brokers, databaseUrl: spec.databaseUrl, topic, groupId: `group-${runId}`, dataDir, env: spec.appEnv });
  const second = spec.secondInstance
    ? await createApp({ name: `app2(${spec.name})`, brokers: spec.brokers, databaseUrl: spec.databaseUrl, topic, groupId: `group-${runId}`, dataDir: await mkdtemp(path.join(tmpdir(), 'kafka-notify-faults-app2-')), env: spec.appEnv })
    : undefined;
  const apps = second ? [app, second] : [app];
  let load: Load | undefined;
  let subscribers: Subscriber[] = [];
  try {
    for (const instance of apps) instance.start();
    await Promise.all(apps.map((instance) => instance.waitReady(120_000)));
    await spec.prepare?.({ app, topic });
    subscribers = RECIPIENTS.map((userId) => startSubscriber({ wsUrl: (second ?? app).wsUrl, token, userId }));
    const running = startLoad({ url: app.url, token, ratePerSecond: spec.ratePerSecond, recipients: RECIPIENTS, runId });
    load = running;
    const ackedAt = new Map<string, number>();
    running.onAck((record) => {
      if (record.id !== undefined && record.ackedAt !== undefined) ackedAt.set(record.id, record.ackedAt);
    });

    // The load flows end to end before any fault: a first acknowledgement and a first push.
    const firstAck = await running.firstAckAfter(0, 60_000);
    if (!firstAck) throw new Error('no send was acknowledged within 60 s of the start');
    const firstPush = await firstPushAcross(subscribers, () => true, 60_000);
    if (!firstPush) throw new Error('nothing was pushed within 60 s of the start');
    await steady(spec.warmupMs);

    const ctx: ScenarioContext = {
      app,
      second,
      load: running,
      subscribers,
      topic,
      async fault(label, body) {
        const start = Date.now();
        let end: number | undefined;
        await body(() => {
          end ??= Date.now();
        });
        const faultEnd = end ?? Date.now();
        const [ack, push] = await Promise.all([
          running.firstAckAfter(faultEnd, Math.max(0, faultEnd + recoveryBoundMs - Date.now())),
          firstPushAcross(subscribers, (p) => (ackedAt.get(p.id) ?? -1) >= faultEnd, Math.max(0, faultEnd + recoveryBoundMs - Date.now())),
        ]);
        const record: FaultRecord = {
          label,
          start,
          end: faultEnd,
          recoverySendMs: ack?.ackedAt !== undefined ? ack.ackedAt - faultEnd : null,
          recoveryPushMs: push ? push.at - faultEnd : null,
        };
        faults.push(record);
        return record;
      },
      steady,
      note: (text) => notes.push(text),
      require: (description, held, detail) => requirements.push({ description, held, ...(detail !== undefined && { detail }) }),
    };
    await spec.faults(ctx);
    await steady(spec.afterRecoveryMs);
    await running.stop();
    await spec.afterLoad?.(ctx);
  } catch (error) {
    await load?.stop();
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    for (const instance of apps) {
      const current = instance.starts() > 0 ? instance.current() : undefined;
      if (current && !current.exitInfo()) {
        instance.expectExit();
        await current.stop(10_000);
      }
    }
    const summary = apps.flatMap((instance) => instance.logSummary()).slice(0, 8).map((entry) => `  ${entry.count} × [${entry.level}] ${entry.msg}: ${entry.first.slice(0, 400)}`);
    throw new Error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}\napp warn/error lines:\n${summary.join('\n')}`, { cause: error });
  }
  await load.stop();

  // Drain: every acknowledged send should reach its subscriber; bounded, so a stuck pipeline shows.
  const acked = load.acked();
  await Promise.all(
    subscribers.map((subscriber) =>
      subscriber.waitForAll(
        acked.filter((record) => record.recipientId === subscriber.userId).map((record) => record.id as string),
        drainTimeoutMs,
      ),
    ),
  );

  // A push comes only after its row committed: whatever was pushed before the store is read must be in it.
  // Sends the stop cut short may still be stored meanwhile; their pushes are awaited before comparing.
  const storeReadAt = Date.now();
  const stored = new Map<string, string[]>();
  let storeError: string | undefined;
  try {
    for (const userId of RECIPIENTS) stored.set(userId, await storedIds(app.url, token, userId));
  } catch (error) {
    storeError = error instanceof Error ? error.message : String(error);
  }
  await Promise.all(subscribers.map((subscriber) => subscriber.waitForAll(stored.get(subscriber.userId) ?? [], drainTimeoutMs)));
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()));

  const storedAll = new Set<string>();
  let storeDuplicates = 0;
  for (const ids of stored.values()) {
    for (const id of ids) {
      if (storedAll.has(id)) storeDuplicates += 1;
      storedAll.add(id);
    }
  }
  const ackedIds = new Set(acked.map((record) => record.id as string));
  const pushedAll = new Set(subscribers.flatMap((subscriber) => [...subscriber.counts.keys()]));
  const lost = [...ackedIds].filter((id) => !storedAll.has(id));
  const duplicated = subscribers.reduce((sum, subscriber) => sum + [...subscriber.counts.values()].filter((count) => count > 1).reduce((s, count) => s + count - 1, 0), 0);
  const pushMissing = [...storedAll].filter((id) => !pushedAll.has(id));
  const pushedNotStored = storeError ? 0 : new Set(subscribers.flatMap((subscriber) => subscriber.pushes.filter((p) => p.at < storeReadAt && !storedAll.has(p.id)).map((p) => p.id))).size;
  const outOfOrder = subscribers.reduce((sum, subscriber) => sum + subscriber.outOfOrder(), 0);
  const rejected = load.rejected();
  const rejectedCodes = new Map<string, number>();
  for (const record of rejected) rejectedCodes.set(record.rejected?.code ?? '?', (rejectedCodes.get(record.rejected?.code ?? '?') ?? 0) + 1);
  const worst = (pick: (fault: FaultRecord) => number | null): number | null =>
    faults.length === 0 || faults.some((fault) => pick(fault) === null) ? null : Math.max(...faults.map((fault) => pick(fault) as number));

  const row: ScenarioRow = {
    scenario: spec.name,
    sent: load.sends.length,
    acknowledged: ackedIds.size,
    stored: [...ackedIds].filter((id) => storedAll.has(id)).length,
    lost: storeError ? ackedIds.size : lost.length,
    duplicated,
    pushMissing: pushMissing.length,
    recoverySendMs: worst((fault) => fault.recoverySendMs),
    recoveryPushMs: worst((fault) => fault.recoveryPushMs),
    rejected: rejected.length,
  };
  const unexpectedExits = apps.flatMap((instance) => instance.unexpectedExits());
  const timeline = faults.map(
    (fault) =>
      `  ${fault.label}: ${((fault.end - fault.start) / 1000).toFixed(1)} s; recovery send ${fault.recoverySendMs === null ? `none within ${recoveryBoundMs / 1000} s` : `${fault.recoverySendMs} ms`}, push ${fault.recoveryPushMs === null ? `none within ${recoveryBoundMs / 1000} s` : `${fault.recoveryPushMs} ms`}`,
  );
  const details = [
    `scenario "${spec.name}" (topic ${topic}; app logs ${apps.flatMap((instance) => instance.logFiles()).join(', ')})`,
    ...timeline,
    ...notes.map((note) => `  note: ${note}`),
    ...requirements.map((r) => `  ${r.held ? 'held' : 'NOT HELD'}: ${r.description}${r.detail ? ` (${r.detail})` : ''}`),
    storeError ? `  the store could not be read at the end: ${storeError}` : '',
    lost.length ? `  lost (acknowledged, not stored): ${lost.length}, e.g. ${lost.slice(0, 3).join(', ')}` : '',
    pushMissing.length ? `  push-missing per recipient: ${RECIPIENTS.map((userId) => `${userId}: ${(stored.get(userId) ?? []).filter((id) => !pushedAll.has(id)).length}`).join(', ')}` : '',
    pushedNotStored ? `  pushed before the store was read, yet not in it: ${pushedNotStored}` : '',
    storeDuplicates ? `  ids listed twice by the store: ${storeDuplicates}` : '',
    outOfOrder ? `  pushes out of seq order: ${outOfOrder}` : '',
    `  send attempts that failed, by code: ${JSON.stringify(Object.fromEntries(load.attemptErrors))}`,
    rejected.length ? `  rejected sends by code: ${JSON.stringify(Object.fromEntries(rejectedCodes))}; first: ${JSON.stringify(rejected[0]?.rejected)}` : '',
    `  subscribers: ${subscribers.map((s) => `${s.userId}: ${s.pushes.length} pushes, ${s.connections()} sockets, errors ${JSON.stringify(Object.fromEntries(s.errors))}`).join('; ')}`,
    ...unexpectedExits.map((crash) => `  THE APP EXITED BY ITSELF: ${crash.name} ${crash.exit}; last lines:\n${crash.lastLines.map((line) => `      ${line.slice(0, 400)}`).join('\n')}`),
    '  app warn/error lines (count × message):',
    ...apps.flatMap((instance) => instance.logSummary()).slice(0, 12).map((entry) => `    ${entry.count} × [${entry.level}] ${entry.msg.slice(0, 160)}\n      first: ${entry.first.slice(0, 600)}`),
  ]
    .filter(Boolean)
    .join('\n');

  // Stop the app cleanly (bounded), then it is gone whatever happens.
  for (const instance of apps) {
    const current = instance.current();
    if (!current.exitInfo()) {
      instance.expectExit();
      await current.stop(30_000);
    }
  }
  const result: ScenarioResult = { row, faults, recoveryBoundMs, outOfOrder, storeDuplicates, pushedNotStored, rejectedCodes, unexpectedExits, details, notes, requirements };
  row.passed = scenarioPassed(result);
  recordRow(row);
  console.log(details);
  return result;
}

function steady(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function firstPushAcross(subscribers: Subscriber[], match: (push: Push) => boolean, timeoutMs: number): Promise<Push | undefined> {
  return Promise.all(subscribers.map((subscriber) => subscriber.firstPush(match, timeoutMs))).then((found) =>
    found.filter((push): push is Push => push !== undefined).sort((a, b) => a.at - b.at)[0],
  );
}

function scenarioPassed(result: ScenarioResult): boolean {
  const { row } = result;
  return (
    row.lost === 0 &&
    row.duplicated === 0 &&
    row.pushMissing === 0 &&
    row.rejected === 0 &&
    result.outOfOrder === 0 &&
    result.storeDuplicates === 0 &&
    result.pushedNotStored === 0 &&
    result.unexpectedExits.length === 0 &&
    result.faults.length > 0 &&
    result.requirements.every((requirement) => requirement.held) &&
    result.faults.every((fault) => fault.recoverySendMs !== null && fault.recoverySendMs <= result.recoveryBoundMs && fault.recoveryPushMs !== null && fault.recoveryPushMs <= result.recoveryBoundMs)
  );
}

/** The suite's assertions for one scenario: all checked (soft), so one run reports every failure. */
export function expectScenarioHeld(result: ScenarioResult, expect: ExpectStatic): void {
  const { row } = result;
  expect.soft(result.unexpectedExits.map((crash) => `${crash.name} ${crash.exit}`), 'the app exited without being asked to').toEqual([]);
  expect.soft(row.lost, 'lost: acknowledged, never stored').toBe(0);
  expect.soft(row.duplicated, 'duplicated: pushed twice to one subscriber').toBe(0);
  expect.soft(row.pushMissing, 'push-missing: stored, never pushed').toBe(0);
  expect.soft(Object.fromEntries(result.rejectedCodes), 'sends refused with a code a client cannot retry').toEqual({});
  expect.soft(result.outOfOrder, 'pushes out of seq order').toBe(0);
  expect.soft(result.storeDuplicates, 'ids listed twice by the store').toBe(0);
  expect.soft(result.pushedNotStored, 'pushed before the store was read, yet not in it').toBe(0);
  expect.soft(row.acknowledged, 'sends acknowledged').toBeGreaterThan(0);
  expect.soft(result.faults.length, 'faults injected').toBeGreaterThan(0);
  for (const requirement of result.requirements) {
    expect.soft(requirement.held, `${requirement.description}${requirement.detail ? ` (${requirement.detail})` : ''}`).toBe(true);
  }
  for (const fault of result.faults) {
    expect.soft(fault.recoverySendMs, `${fault.label}: fault end → first acknowledged send (ms)`).not.toBeNull();
    expect.soft(fault.recoverySendMs ?? Infinity, `${fault.label}: send recovery within the bound (ms)`).toBeLessThanOrEqual(result.recoveryBoundMs);
    expect.soft(fault.recoveryPushMs, `${fault.label}: fault end → first new push (ms)`).not.toBeNull();
    expect.soft(fault.recoveryPushMs ?? Infinity, `${fault.label}: push recovery within the bound (ms)`).toBeLessThanOrEqual(result.recoveryBoundMs);
  }
}
