/**
 * The topics as a public contract: an AsyncAPI 3.0 document of every topic the service reads or
 * writes, for other services that produce notifications or read dead letters. The payload and key
 * schemas are generated from the codec's own zod schema (notifications/event.ts) and the header
 * names come from their one owner (dead-letter-headers.ts), so the document cannot say what the
 * code does not do; a test compares the committed asyncapi.json with a fresh build.
 */
import { z } from 'zod';
import { activityEventV1 } from '../notifications/activity-event.js';
import { broadcastEventV1 } from '../notifications/broadcast-event.js';
import { EVENT_VERSION, notificationEventV1, notificationEventV2 } from '../notifications/event.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-headers.js';

export interface AsyncApiTopics {
  topic: string;
  dlqTopic: string;
  groupId: string;
  broadcastTopic: string;
  broadcastGroupId: string;
  activityTopic: string;
}

// Draft-07: the AsyncAPI Schema format, the default of an AsyncAPI 3.0 payload, is a superset of it.
const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
  return rest;
};

const DEAD_LETTER_HEADER_TEXT: Record<keyof typeof DEAD_LETTER_HEADERS, string> = {
  error: 'Why it was set aside (undecodable, invalid, or the store refused it), in words.',
  originalTopic: 'The topic it was read from.',
  originalPartition: 'Its partition there, in decimal.',
  originalOffset: 'Its offset there, in decimal.',
  failedAt: 'When it was set aside (ISO 8601, UTC).',
};

const KAFKA_BINDING_VERSION = '0.5.0';

export function asyncApiDocument({ topic, dlqTopic, groupId, broadcastTopic, broadcastGroupId, activityTopic }: AsyncApiTopics) {
  const recipientKey = jsonSchema(notificationEventV1.shape.to);
  const topicKey = jsonSchema(broadcastEventV1.shape.topic);
  const userKey = jsonSchema(activityEventV1.shape.userId);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'kafka-notify topics',
      version: String(EVENT_VERSION),
      description:
        'The Kafka topics kafka-notify reads and writes. Any service may produce a notification event; the consumer group stores it in the inbox (idempotent on its id) and pushes it live. A message it cannot decode or store goes to the dead-letter topic, unchanged, with headers saying why.',
    },
    channels: {
      notifications: {
        address: topic,
        description: 'Notification events (KAFKA_TOPIC). The key is the recipient id, so one recipient\'s notifications stay in order on one partition.',
        messages: {
          notificationEventV1: {
            name: 'NotificationEventV1',
            title: 'A notification event, version 1',
            contentType: 'application/json',
            payload: jsonSchema(notificationEventV1),
            bindings: { kafka: { key: { ...recipientKey, description: 'The recipient id, the same as the payload\'s "to".' }, bindingVersion: KAFKA_BINDING_VERSION } },
          },
          notificationEventV2: {
            name: 'NotificationEventV2',
            title: 'A notification event, version 2',
            summary: 'Any registered kind, a group key, action buttons, a workspace. Written only when a notification needs one of them; version 1 otherwise.',
            contentType: 'application/json',
            payload: jsonSchema(notificationEventV2),
            bindings: { kafka: { key: { ...recipientKey, description: 'The recipient id, the same as the payload\'s "to".' }, bindingVersion: KAFKA_BINDING_VERSION } },
          },
        },
      },
      broadcasts: {
        address: broadcastTopic,
        description:
          'Broadcast events (KAFKA_BROADCAST_TOPIC): one notification for every subscriber of a topic. The key is the topic name, so one topic\'s broadcasts are expanded in order.',
        messages: {
          broadcastEventV1: {
            name: 'BroadcastEventV1',
            title: 'A broadcast event, version 1',
            contentType: 'application/json',
            payload: jsonSchema(broadcastEventV1),
            bindings: { kafka: { key: { ...topicKey, description: 'The topic name, the same as the payload\'s "topic".' }, bindingVersion: KAFKA_BINDING_VERSION } },
          },
        },
      },
      activity: {
        address: activityTopic,
        description:
          'Inbox state changes (KAFKA_ACTIVITY_TOPIC): one event per notification whose state a committed change moved (seen, read, unread, archived, unarchived, deleted; "mark all" tells each notification it changed). The key is the recipient id, so one inbox\'s changes stay in order on one partition. Delivered at least once: count each event id once.',
        messages: {
          activityEventV1: {
            name: 'ActivityEventV1',
            title: 'An inbox state change, version 1',
            contentType: 'application/json',
            payload: jsonSchema(activityEventV1),
            bindings: { kafka: { key: { ...userKey, description: 'The recipient id, the same as the payload\'s "userId".' }, bindingVersion: KAFKA_BINDING_VERSION } },
          },
        },
      },
      deadLetters: {
        address: dlqTopic,
        description: `Messages of "${topic}" and "${broadcastTopic}" that could not be decoded or stored (KAFKA_DLQ_TOPIC): key and value exactly as they were read, with headers saying why and where from. One partition, in arrival order.`,
        messages: {
          deadLetter: {
            name: 'DeadLetter',
            title: 'A message set aside',
            payload: { description: 'The original value, byte for byte (possibly not JSON, or empty).' },
            headers: {
              type: 'object',
              properties: Object.fromEntries(
                Object.entries(DEAD_LETTER_HEADERS).map(([field, name]) => [name, { type: 'string', description: DEAD_LETTER_HEADER_TEXT[field as keyof typeof DEAD_LETTER_HEADERS] }]),
              ),
              required: Object.values(DEAD_LETTER_HEADERS),
            },
            bindings: { kafka: { key: { description: 'The original key, unchanged.' }, bindingVersion: KAFKA_BINDING_VERSION } },
          },
        },
      },
    },
    operations: {
      consumeNotifications: {
        action: 'receive',
        channel: { $ref: '#/channels/notifications' },
        summary: 'Stored in the inbox, then pushed to the recipient\'s live subscriptions; offsets are committed after the store.',
        bindings: { kafka: { groupId: { type: 'string', enum: [groupId] }, bindingVersion: KAFKA_BINDING_VERSION } },
        messages: [{ $ref: '#/channels/notifications/messages/notificationEventV1' }, { $ref: '#/channels/notifications/messages/notificationEventV2' }],
      },
      produceNotifications: {
        action: 'send',
        channel: { $ref: '#/channels/notifications' },
        summary: 'Written by sendNotification(s) and POST /v1/notifications (acks = all), and by anyone else who keeps to this schema.',
        messages: [{ $ref: '#/channels/notifications/messages/notificationEventV1' }, { $ref: '#/channels/notifications/messages/notificationEventV2' }],
      },
      produceBroadcasts: {
        action: 'send',
        channel: { $ref: '#/channels/broadcasts' },
        summary: 'Written by sendBroadcast and POST /v1/broadcasts (acks = all), and by anyone else who keeps to this schema.',
        messages: [{ $ref: '#/channels/broadcasts/messages/broadcastEventV1' }],
      },
      expandBroadcasts: {
        action: 'receive',
        channel: { $ref: '#/channels/broadcasts' },
        summary:
          'Expanded, a page of subscribers at a time, into one notification event per subscriber on the notification topic (ids derived from the broadcast id and the recipient, so a resumed expansion stores nothing twice); the offset is committed when the expansion is done.',
        bindings: { kafka: { groupId: { type: 'string', enum: [broadcastGroupId] }, bindingVersion: KAFKA_BINDING_VERSION } },
        messages: [{ $ref: '#/channels/broadcasts/messages/broadcastEventV1' }],
      },
      produceActivity: {
        action: 'send',
        channel: { $ref: '#/channels/activity' },
        summary:
          'Written from the store\'s transactional outbox (acks = all): each change inserts its events in the statement that makes it, and the relay produces them after the commit, deleting them once acknowledged. A change the store kept is never missing, one it did not keep never appears; a crash between the acknowledgement and the delete produces an event again under the same id.',
        messages: [{ $ref: '#/channels/activity/messages/activityEventV1' }],
      },
      deadLetter: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        summary: 'A message of the notification or broadcast topic that can never be decoded or stored; `npm run dlq` lists and replays them.',
        messages: [{ $ref: '#/channels/deadLetters/messages/deadLetter' }],
      },
    },
  };
}

/** The document as the committed file holds it: two-space JSON and a final newline. */
export const asyncApiJson = (topics: AsyncApiTopics): string => `${JSON.stringify(asyncApiDocument(topics), null, 2)}\n`;
