/**
 * The event on the broadcast topic: one per broadcast, keyed by the topic it goes to, so one
 * topic's broadcasts are expanded in the order they were sent. Versioned JSON like the
 * notification event, and decoded with the same rules: the content fields are that event's own.
 */
import { z } from 'zod';
import { contentOf, notificationEventV1, notificationEventV2, readContentEvent, type DecodeFailure } from './event.js';
import type { NewBroadcast } from './notification.js';
import { TOPIC_PATTERN } from './validation.js';

export const BROADCAST_EVENT_VERSION = 1;

export const broadcastEventV1 = notificationEventV1
  .omit({ v: true, id: true, to: true })
  .extend({
    v: z.literal(BROADCAST_EVENT_VERSION).meta({ description: 'The event version.' }),
    id: notificationEventV1.shape.id.meta({
      description:
        'The broadcast id (a lowercase UUID). Each subscriber\'s notification id is derived from it and their user id, so an expansion run twice stores nothing twice.',
    }),
    topic: z.string().regex(TOPIC_PATTERN).meta({ description: 'The topic whose subscribers get it: also the message key.' }),
    // Widened in place when kinds became a team's own: any registered kind, as the notification event's version 2 says.
    kind: notificationEventV2.shape.kind,
  })
  .meta({
    title: 'BroadcastEventV1',
    description: 'One notification for every subscriber of a topic, as subscribed when it was sent (createdAt); the sender, when subscribed, gets none. JSON, keyed by the topic.',
  });

export type BroadcastEventV1 = z.infer<typeof broadcastEventV1>;

export function encodeBroadcast(broadcast: NewBroadcast): { key: string; value: string } {
  const event: BroadcastEventV1 = {
    v: BROADCAST_EVENT_VERSION,
    id: broadcast.id,
    topic: broadcast.topic,
    from: broadcast.senderId,
    kind: broadcast.kind,
    message: broadcast.message,
    link: broadcast.link,
    data: broadcast.data,
    createdAt: broadcast.createdAt.toISOString(),
  };
  return { key: broadcast.topic, value: JSON.stringify(event) };
}

export type BroadcastDecodeResult = { ok: true; broadcast: NewBroadcast } | { ok: false; reason: DecodeFailure; error: string };

export function decodeBroadcast(value: Buffer | string | null): BroadcastDecodeResult {
  const read = readContentEvent(value, broadcastEventV1);
  if (!read.ok) return read;
  return { ok: true, broadcast: { id: read.event.id, topic: read.event.topic, ...contentOf(read.event) } };
}
