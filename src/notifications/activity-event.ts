/**
 * The event on the activity topic: one change of one notification's inbox state (seen, read,
 * unread, archived, unarchived, deleted), written only after the store committed it. Keyed by the
 * recipient, like the notification event, so one inbox's changes stay in order on one partition.
 * Versioned JSON beside the notification event, decoded with the same care: what fails goes to the
 * dead-letter topic.
 *
 * It carries the notification's kind and creation time, so that a reader (the stats consumer)
 * counts read rates and time to read by kind without asking the store.
 */
import { z } from 'zod';
import { parseEventJson, schemaProblem, type DecodeFailure } from './event.js';
import type { NotificationKind } from './notification.js';
import { KIND_PATTERN, NOTIFICATION_ID_PATTERN, USER_ID_PATTERN } from './validation.js';

export const ACTIVITY_EVENT_VERSION = 1;

/** What happened to the notification; `all_read` and `all_seen` are told per notification they changed. */
export const ACTIVITY_ACTIONS = ['seen', 'read', 'unread', 'archived', 'unarchived', 'deleted'] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

export const activityEventV1 = z
  .object({
    v: z.literal(ACTIVITY_EVENT_VERSION).meta({ description: 'The event version.' }),
    id: z.string().regex(NOTIFICATION_ID_PATTERN).meta({
      description: 'The activity id (a lowercase UUID), one per change the store committed: a reader counts each id once, however often it is delivered.',
    }),
    action: z.enum(ACTIVITY_ACTIONS),
    userId: z.string().regex(USER_ID_PATTERN).meta({ description: 'The recipient whose inbox changed: also the message key.' }),
    notificationId: z.string().regex(NOTIFICATION_ID_PATTERN),
    kind: z.string().regex(KIND_PATTERN).meta({ description: 'The notification\'s kind: a registered kind\'s name.' }),
    notificationCreatedAt: z.iso.datetime({ offset: true }).meta({ description: 'When the notification was sent: with `at`, the time it took to be read.' }),
    at: z.iso.datetime({ offset: true }).meta({ description: 'When the store committed the change (ISO 8601): the event time windows are counted on.' }),
  })
  .meta({ title: 'ActivityEventV1', description: 'One committed change of one notification\'s inbox state. JSON, keyed by the recipient id (`userId`).' });

export type ActivityEventV1 = z.infer<typeof activityEventV1>;

/** A change as the store committed it. */
export interface Activity {
  id: string;
  action: ActivityAction;
  userId: string;
  notificationId: string;
  kind: NotificationKind;
  notificationCreatedAt: Date;
  at: Date;
}

export function encodeActivity(activity: Activity): { key: string; value: string } {
  const event: ActivityEventV1 = {
    v: ACTIVITY_EVENT_VERSION,
    id: activity.id,
    action: activity.action,
    userId: activity.userId,
    notificationId: activity.notificationId,
    kind: activity.kind,
    notificationCreatedAt: activity.notificationCreatedAt.toISOString(),
    at: activity.at.toISOString(),
  };
  return { key: activity.userId, value: JSON.stringify(event) };
}

export type ActivityDecodeResult = { ok: true; activity: Activity } | { ok: false; reason: DecodeFailure; error: string };

export function decodeActivity(value: Buffer | string | null): ActivityDecodeResult {
  const read = parseEventJson(value);
  if (!read.ok) return read;
  const parsed = activityEventV1.safeParse(read.json);
  if (!parsed.success) return { ok: false, reason: 'invalid', error: schemaProblem(parsed.error) };
  const event = parsed.data;
  return {
    ok: true,
    activity: {
      id: event.id,
      action: event.action,
      userId: event.userId,
      notificationId: event.notificationId,
      kind: event.kind,
      notificationCreatedAt: new Date(event.notificationCreatedAt),
      at: new Date(event.at),
    },
  };
}
