/**
 * Notifications cross Redis as JSON; dates travel as ISO strings and come back as Dates (a
 * `seenAt`, `snoozedUntil` or `pressedAction` missing, from an instance older than it, as null;
 * `actions` missing as none). An
 * `added` event's trace context (W3C headers, strings) crosses as it is, so a push on another
 * instance continues the send's trace; an instance that does not know it ignores it.
 */
import type { Notification, NotificationAction } from '../notifications/notification.js';
import type { InboxEvent } from '../notifications/ports.js';

export type NotificationWire = Omit<Notification, 'createdAt' | 'readAt' | 'archivedAt' | 'seenAt' | 'snoozedUntil' | 'actions' | 'pressedAction'> & {
  createdAt: string;
  readAt: string | null;
  archivedAt: string | null;
  seenAt?: string | null;
  snoozedUntil?: string | null;
  actions?: readonly NotificationAction[];
  pressedAction?: { index: number; at: string } | null;
};

export function toWire(notification: Notification): NotificationWire {
  return {
    ...notification,
    createdAt: notification.createdAt.toISOString(),
    readAt: notification.readAt?.toISOString() ?? null,
    archivedAt: notification.archivedAt?.toISOString() ?? null,
    seenAt: notification.seenAt?.toISOString() ?? null,
    snoozedUntil: notification.snoozedUntil?.toISOString() ?? null,
    pressedAction: notification.pressedAction === null ? null : { index: notification.pressedAction.index, at: notification.pressedAction.at.toISOString() },
  };
}

export function fromWire(wire: NotificationWire): Notification {
  return {
    ...wire,
    createdAt: new Date(wire.createdAt),
    readAt: wire.readAt === null ? null : new Date(wire.readAt),
    archivedAt: wire.archivedAt === null ? null : new Date(wire.archivedAt),
    seenAt: wire.seenAt === null || wire.seenAt === undefined ? null : new Date(wire.seenAt),
    snoozedUntil: wire.snoozedUntil === null || wire.snoozedUntil === undefined ? null : new Date(wire.snoozedUntil),
    actions: wire.actions ?? [],
    pressedAction: wire.pressedAction === null || wire.pressedAction === undefined ? null : { index: wire.pressedAction.index, at: new Date(wire.pressedAction.at) },
  };
}

export interface InboxEventWire extends Omit<InboxEvent, 'notifications'> {
  notifications: NotificationWire[];
}

export const eventToWire = (event: InboxEvent): InboxEventWire => ({ ...event, notifications: event.notifications.map(toWire) });
export const eventFromWire = (wire: InboxEventWire): InboxEvent => ({ ...wire, notifications: wire.notifications.map(fromWire) });

/** Sent by an instance whose publishes failed, once it is back: every instance's feeds read the store. */
export const RESYNC_WIRE = { resync: true } as const;
export type PubSubWire = InboxEventWire | typeof RESYNC_WIRE;
