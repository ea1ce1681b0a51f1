/**
 * Digests (issue 17), the consumer's side: a notification of a kind its recipient gets as an
 * hourly or daily digest is not stored in the inbox nor pushed; it is kept in its period (store:
 * digest_periods, digest_items) and the digest job (digest-job.ts) sends one summary per period
 * when it ends.
 *
 * Why the inbox consumer and not a consumer group of its own: whether a notification is digested
 * depends on a preference the user may change at any moment. Two groups reading the same event at
 * different times would each ask, and a change between the two reads would have the inbox skip it
 * as digested while the digest group skips it as immediate (lost), or both take it (doubled). Here
 * one reader asks once per batch, and the choice made is kept: an id already in a digest stays
 * digested when redelivered, and an id already in the inbox never enters a digest. Exactly once
 * in effect by ids: the inbox is idempotent on the notification id, and so is the digest store.
 *
 * Periods are tumbling windows on event time (createdAt), the stats windows' arithmetic
 * (src/windows.ts): hourly is the UTC hour; daily is the local day in the recipient's time zone
 * at the time the period opens (its end, and so its summary's id, is fixed then; a zone changed
 * mid-period applies from the next one). A period takes items until a closer claims it; an item
 * whose period is claimed or closed (late, or redelivered after a crash) goes to the next period
 * of that user and kind: in the next digest, never in none.
 *
 * Critical kinds and the summaries themselves are never digested.
 */
import { localDayStart, nextLocalDayStart, windowStart, WINDOW_MS } from '../windows.js';
import { isDigestSummary } from './digest-summary.js';
import type { NewNotification } from './notification.js';
import type { DigestDelivery, DigestItem, DigestPeriod, NotificationStore, RecipientKind } from './ports.js';
import { DEFAULT_TIME_ZONE, isCritical, type Delivery, type KindTable } from './preferences.js';

/** Whose digest a notification goes to: its recipient's, in its workspace, of its kind. */
export type DigestKey = Pick<DigestPeriod, 'recipientId' | 'workspaceId' | 'kind'>;

/** The period of `delivery` that holds `time`, for a recipient in `timeZone`. */
export function periodOf({ recipientId, workspaceId, kind }: DigestKey, delivery: DigestDelivery, time: Date, timeZone: string): DigestPeriod {
  const key = { recipientId, workspaceId, kind, delivery };
  if (delivery === 'hourly_digest') {
    const start = windowStart('hour', time);
    return { ...key, start, end: new Date(start.getTime() + WINDOW_MS.hour) };
  }
  const start = localDayStart(time, timeZone);
  return { ...key, start, end: nextLocalDayStart(start, timeZone) };
}

/** The period right after `period` (it starts at its end), for a recipient in `timeZone`. */
export function periodAfter(period: DigestPeriod, timeZone: string): DigestPeriod {
  const start = period.end;
  const end = period.delivery === 'hourly_digest' ? new Date(start.getTime() + WINDOW_MS.hour) : nextLocalDayStart(start, timeZone);
  return { ...period, start, end };
}

const pairKey = ({ userId, kind }: RecipientKind) => `${kind}\u0000${userId}`;

export interface DigestRoutingDeps {
  store: Pick<NotificationStore, 'digestRouting' | 'addDigestItems'>;
  /** The kinds' defaults (a kind's default delivery may be a digest) and which are critical. */
  kinds: KindTable;
  /** Runs a store call, retried while the batch is still the consumer's. */
  retry<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * Takes out of a batch what goes to digests, keeps it in its periods (one routing query and one
 * transaction), and answers the rest, for the inbox, and the digested, in batch order.
 */
export async function takeDigested<T extends { notification: NewNotification }>(batch: readonly T[], { store, kinds, retry }: DigestRoutingDeps): Promise<{ rest: T[]; digested: T[] }> {
  const candidates = batch.filter(({ notification }) => !isCritical(kinds, notification.kind) && !isDigestSummary(notification));
  if (candidates.length === 0) return { rest: [...batch], digested: [] };
  const pairs = new Map<string, RecipientKind>();
  for (const { notification } of candidates) pairs.set(pairKey({ userId: notification.recipientId, kind: notification.kind }), { userId: notification.recipientId, kind: notification.kind });
  const routing = await retry(() => store.digestRouting([...pairs.values()], candidates.map(({ notification }) => notification.id)));
  const overrides = new Map<string, Delivery>(routing.deliveries.map((row) => [pairKey(row), row.delivery]));
  const zones = new Map(routing.timeZones.map((row) => [row.userId, row.timeZone]));
  const already = new Set(routing.digested);
  const zoneOf = (userId: string) => zones.get(userId) ?? DEFAULT_TIME_ZONE;

  const chosen = new Set<T>();
  const items: DigestItem[] = [];
  for (const candidate of candidates) {
    const { notification } = candidate;
    const key = pairKey({ userId: notification.recipientId, kind: notification.kind });
    const delivery = overrides.get(key) ?? kinds.get(notification.kind)?.delivery ?? 'immediate';
    // Kept in a digest before (a redelivery): stays digested even if the delivery changed since.
    if (delivery === 'immediate' && !already.has(notification.id)) continue;
    const digestDelivery: DigestDelivery = delivery === 'immediate' ? 'hourly_digest' : delivery;
    chosen.add(candidate);
    if (already.has(notification.id)) continue;
    const owner = { recipientId: notification.recipientId, workspaceId: notification.workspaceId ?? null, kind: notification.kind };
    items.push({ notification, period: periodOf(owner, digestDelivery, notification.createdAt, zoneOf(notification.recipientId)) });
  }
  if (chosen.size === 0) return { rest: [...batch], digested: [] };
  await retry(() => store.addDigestItems(items, (period) => periodAfter(period, zoneOf(period.recipientId))));
  return { rest: batch.filter((item) => !chosen.has(item)), digested: batch.filter((item) => chosen.has(item)) };
}
