/**
 * A digest period's one summary notification: same recipient and kind, "5 new comments", the
 * items in `data.digest` (the first ones, oldest first, each message shortened, within the size a
 * notification's data may have), the link when every item shares one, and an id derived from the
 * period's key, so a summary produced twice (a closer that died before marking its period closed)
 * is stored once.
 *
 * It is a notification of the digested kind, so it comes back through the inbox consumer: it
 * must not be digested again. What says so is its id: only a summary's id is derived from the
 * key its `data.digest` names, which no API send can produce (their ids are random or derived
 * from other parts), so a sender who copies the shape of `data.digest` gets digested as usual.
 */
import { digestSummaryId } from './ids.js';
import type { JsonValue, NewNotification } from './notification.js';
import type { ClaimedDigest, DigestEntry } from './ports.js';
import { DATA_MAX_BYTES } from './validation.js';

/** A summary lists at most this many items; `total` says how many there were. */
export const DIGEST_ITEMS_MAX = 50;
/** Each listed message is cut to this many characters (code points). */
const ENTRY_MESSAGE_MAX = 200;

/** What a seeded kind's items are called; any other kind is "notifications". */
const NOUNS: Readonly<Record<string, [string, string]>> = {
  comment: ['comment', 'comments'],
  like: ['like', 'likes'],
  mention: ['mention', 'mentions'],
  follow: ['follower', 'followers'],
};

export function summaryMessage(kind: string, total: number): string {
  const noun = NOUNS[kind];
  if (noun) return `${total} new ${total === 1 ? noun[0] : noun[1]}`;
  return `${total} new ${kind} ${total === 1 ? 'notification' : 'notifications'}`;
}

const shorten = (message: string): string => {
  const points = [...message];
  return points.length <= ENTRY_MESSAGE_MAX ? message : `${points.slice(0, ENTRY_MESSAGE_MAX - 1).join('')}…`;
};

const entryJson = (entry: DigestEntry): JsonValue => ({
  id: entry.id,
  senderId: entry.senderId,
  message: shorten(entry.message),
  link: entry.link,
  createdAt: entry.createdAt.toISOString(),
});

export function buildSummary({ period, total, items }: ClaimedDigest): NewNotification {
  const head = {
    kind: period.kind,
    delivery: period.delivery,
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    total,
  };
  // As many entries as fit in a notification's data, with room to spare for the head.
  const listed: JsonValue[] = [];
  let bytes = Buffer.byteLength(JSON.stringify({ digest: { ...head, items: [] } }));
  for (const entry of items.slice(0, DIGEST_ITEMS_MAX)) {
    const json = entryJson(entry);
    const size = Buffer.byteLength(JSON.stringify(json)) + 1;
    if (bytes + size > DATA_MAX_BYTES - 256) break;
    bytes += size;
    listed.push(json);
  }
  const links = new Set(items.map((item) => item.link));
  const [onlyLink] = links;
  return {
    id: digestSummaryId(period.recipientId, period.workspaceId, period.kind, period.delivery, period.start),
    // The last listed item's sender: a kind with senders needs one, and "Rick and 4 others" starts there.
    senderId: items.at(-1)?.senderId ?? null,
    recipientId: period.recipientId,
    workspaceId: period.workspaceId,
    kind: period.kind,
    message: summaryMessage(period.kind, total),
    link: links.size === 1 && onlyLink !== undefined ? onlyLink : null,
    data: { digest: { ...head, items: listed } },
    // The period's end: the same summary whenever it is produced.
    createdAt: period.end,
  };
}

/** Whether this is a digest's summary (then it is delivered immediately, never digested again). */
export function isDigestSummary(notification: NewNotification): boolean {
  const data = notification.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const digest = data.digest;
  if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) return false;
  const { delivery, periodStart } = digest;
  if (typeof delivery !== 'string' || typeof periodStart !== 'string') return false;
  const start = new Date(periodStart);
  if (Number.isNaN(start.getTime())) return false;
  return notification.id === digestSummaryId(notification.recipientId, notification.workspaceId ?? null, notification.kind, delivery, start);
}
