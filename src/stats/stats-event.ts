/**
 * What the stats consumer reads from a message of either topic: the event time (which moves the
 * partition's watermark) and, when it counts towards a figure, the fact it adds. A notification
 * event is `sent`; an activity event `read` or `archived` (the other actions move the watermark
 * only). The dedupe key names the unit counted once: the notification for `sent`, and the
 * notification's first read or archive for `read` and `archived`, so a redelivered event, the
 * same notification twice on the log, or a notification read, made unread and read again count
 * once.
 */
import { decodeActivity } from '../notifications/activity-event.js';
import { decodeEvent } from '../notifications/event.js';
import type { NotificationKind } from '../notifications/notification.js';

/** Which of the two topics a message came from. */
export type StatsSource = 'notifications' | 'activity';

export type StatsFact =
  | { type: 'sent'; key: string; kind: NotificationKind; senderId: string | null; recipientId: string }
  | { type: 'read'; key: string; kind: NotificationKind; timeToReadMs: number }
  | { type: 'archived'; key: string; kind: NotificationKind };

export type StatsEvent =
  | { ok: true; time: Date; fact: StatsFact | null }
  | { ok: false; error: string };

export function readStatsEvent(source: StatsSource, value: Buffer | null): StatsEvent {
  if (source === 'notifications') {
    const decoded = decodeEvent(value);
    if (!decoded.ok) return { ok: false, error: decoded.error };
    const n = decoded.notification;
    return { ok: true, time: n.createdAt, fact: { type: 'sent', key: `sent:${n.id}`, kind: n.kind, senderId: n.senderId, recipientId: n.recipientId } };
  }
  const decoded = decodeActivity(value);
  if (!decoded.ok) return { ok: false, error: decoded.error };
  const a = decoded.activity;
  switch (a.action) {
    case 'read':
      return { ok: true, time: a.at, fact: { type: 'read', key: `read:${a.notificationId}`, kind: a.kind, timeToReadMs: a.at.getTime() - a.notificationCreatedAt.getTime() } };
    case 'archived':
      return { ok: true, time: a.at, fact: { type: 'archived', key: `archived:${a.notificationId}`, kind: a.kind } };
    default:
      return { ok: true, time: a.at, fact: null };
  }
}
