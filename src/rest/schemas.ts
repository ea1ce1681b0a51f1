/**
 * The HTTP API's bodies as zod schemas: the one definition that parses each request and that the
 * OpenAPI document (openapi.ts) is generated from, so the document cannot drift from what the
 * routes accept. They check shape only (types, known fields, the batch limit); every rule about
 * content (message length, links, ids, data size, who may send as whom) stays in the domain's
 * sender, which the GraphQL mutations use too.
 */
import * as z from 'zod';
import 'zod-openapi';
import { ERROR_CODES } from '../notifications/errors.js';
import type { NotificationKind } from '../notifications/notification.js';
import { SEND_BATCH_MAX } from '../notifications/send.js';

/**
 * A registered kind's name, read case-insensitively as GraphQL's NotificationKind is (FOLLOW, as
 * the kinds were spelled when they were an enum, is follow). Whether it is registered is the
 * sender's to say: 400 with field kind, naming it.
 */
export const kindOf = (name: string): NotificationKind => name.toLowerCase();

// Any value: the body came from JSON.parse, so it is JSON already, and the domain's iterative
// check bounds its depth and size. z.json() would walk it recursively first: a 5,000-deep array
// overflowed the stack, and 200,000 small objects took 0.4 s of CPU inside a 1 MiB body.
const JsonValue = z.unknown().meta({ id: 'JsonValue', description: 'Any JSON value.' });

const userId = z.string().meta({ description: 'A user id: 1-64 letters, digits or `_.:@|-`.', example: '2' });

const NotificationActionInput = z
  .strictObject({
    label: z.string().meta({ description: 'The button\'s text: 1-40 characters.', example: 'Approve' }),
    url: z.string().nullish().meta({ description: 'What pressing it opens: an http(s) URL or a path starting with /, as `link`. Exactly one of url and key.' }),
    key: z.string().nullish().meta({ description: 'What pressing it tells the app (`approve`): 1-64 letters, digits or `_.:-`. Exactly one of url and key.' }),
  })
  .meta({ id: 'NotificationActionInput', description: 'A button on a notification.' });

export const NotificationInput = z
  .strictObject({
    recipientId: userId,
    kind: z.string().max(64).meta({
      id: 'NotificationKind',
      description: "A registered kind's name (GraphQL's kinds query lists them), read case-insensitively. A critical kind (such as system) has no sender; every other kind has one.",
      example: 'follow',
    }),
    message: z.string().meta({ description: 'The text shown to the recipient.', example: 'Emma started following you.' }),
    link: z.string().nullish().meta({ description: 'Where the notification leads: an http(s) URL or a path starting with /.' }),
    data: JsonValue.nullish().meta({ description: 'Anything the client needs to render it (at most 16 KiB as JSON).' }),
    senderId: userId.nullish().meta({
      description: 'Who caused it. A user token sends as its own user (leave this out); a service token names the sender, or leaves it out for a critical kind (such as system).',
    }),
    idempotencyKey: z.string().nullish().meta({
      description:
        'The same key from the same sender to the same recipient always gives the same notification, stored and pushed once. For a single notification the Idempotency-Key header may carry it instead.',
    }),
    workspaceId: z.string().nullish().meta({
      description:
        "The workspace (tenant) it is sent within: it goes to the recipient's inbox there. Default: the token's workspace claim, or outside any workspace; a token with a workspace, and a user token, may name no other.",
      example: 'acme',
    }),
    actions: z.array(NotificationActionInput).nullish().meta({ description: 'Up to two buttons; the recipient presses one (GraphQL pressNotificationAction).' }),
    groupKey: z.string().nullish().meta({
      description: "Groups it: the recipient's unread notifications with the same key show as one feed item. 1-128 letters, digits or `_.:@|/-`.",
      example: 'post-7:like',
    }),
  })
  .meta({ id: 'NotificationInput' });

export const NotificationBatch = z
  .strictObject({
    notifications: z.array(NotificationInput).max(SEND_BATCH_MAX, { error: `at most ${SEND_BATCH_MAX} notifications per call` }),
  })
  .meta({ id: 'NotificationBatch', description: `Up to ${SEND_BATCH_MAX} notifications, each answered on its own; a bad one fails alone.` });

export const SendRequest = z.union([NotificationInput, NotificationBatch]);

// A broadcast carries no buttons: a press is recorded per notification, not per broadcast.
export const BroadcastInput = NotificationInput.omit({ recipientId: true, workspaceId: true, actions: true, groupKey: true })
  .extend({
    topic: z.string().meta({ description: 'Every user subscribed to this topic when it is sent gets it (the sender excepted).', example: 'post-7' }),
    idempotencyKey: z.string().nullish().meta({
      description: 'The same key from the same sender to the same topic is the same broadcast: every subscriber gets it once. The Idempotency-Key header may carry it instead.',
    }),
  })
  .meta({ id: 'BroadcastInput' });

export const SentBroadcast = z
  .object({
    id: z.string().meta({ description: "The broadcast id; each subscriber's notification id is derived from it." }),
    topic: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'SentBroadcast', description: "A broadcast Kafka has acknowledged; its expansion puts a copy in each subscriber's inbox moments later." });

export const SentNotification = z
  .object({
    id: z.string().meta({ description: 'The notification id (the same for a retry with the same idempotency key).' }),
    recipientId: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'SentNotification', description: 'A notification Kafka has acknowledged; it reaches the inbox and the live feeds moments later.' });

export const SendError = z
  .object({
    code: z.enum(ERROR_CODES).meta({ description: 'BAD_USER_INPUT, FORBIDDEN, USER_NOT_FOUND or KAFKA_UNAVAILABLE.' }),
    message: z.string(),
    field: z.string().nullable().meta({ description: 'The input field at fault, when there is one.' }),
  })
  .meta({ id: 'SendError', description: 'Why one notification of a batch was not sent (the codes of the GraphQL errors).' });

export const BatchItemResult = z
  .object({ index: z.int().min(0), notification: SentNotification.optional(), error: SendError.optional() })
  .meta({ id: 'BatchItemResult', description: 'The outcome of one item, by its position: a notification or an error, never both.' });

export const BatchResult = z.object({ results: z.array(BatchItemResult) }).meta({ id: 'BatchResult' });

export const Problem = z
  .object({
    type: z.string().meta({ description: '`about:blank`: `code` says which error it is.' }),
    title: z.string().meta({ description: 'The HTTP status phrase.' }),
    status: z.int(),
    detail: z.string(),
    code: z.string().meta({ description: "The error's code, as the GraphQL errors' extensions.code." }),
    field: z.string().optional().meta({ description: 'The input field at fault, when there is one.' }),
    retryAfterSeconds: z.int().optional().meta({ description: 'RATE_LIMITED: when to try again (also in Retry-After).' }),
  })
  .meta({ id: 'Problem', description: 'An error, as RFC 9457 problem details.' });

/** The Go + Kafka tutorial's form (`POST /send`), for services written against it. */
// Not strict: the tutorial's Gin handler ignored fields it did not know, and its clients may send some.
export const TutorialSendForm = z
  .object({
    fromID: userId.meta({ description: 'The sender.' }),
    toID: userId.meta({ description: 'The recipient.' }),
    message: z.string(),
  })
  .meta({ id: 'TutorialSendForm' });

export const TutorialAnswer = z.object({ message: z.string() }).meta({ id: 'TutorialAnswer', description: "The tutorial's answer: a message, whatever the outcome." });

export type SendRequestBody = z.output<typeof SendRequest>;
export type BroadcastInputBody = z.output<typeof BroadcastInput>;
export type SentBroadcastBody = z.output<typeof SentBroadcast>;
export type NotificationInputBody = z.output<typeof NotificationInput>;
export type SentNotificationBody = z.output<typeof SentNotification>;
export type BatchResultBody = z.output<typeof BatchResult>;
export type ProblemBody = z.output<typeof Problem>;
export type TutorialAnswerBody = z.output<typeof TutorialAnswer>;
