/**
 * The event on the Kafka topic: versioned JSON keyed by the recipient id. Other services may
 * produce it too, so decoding trusts nothing and says exactly what is wrong.
 */
import { z } from 'zod';
import { NOTIFICATION_KINDS, type JsonValue, type NewNotification, type NotificationAction, type NotificationKind } from './notification.js';
import {
  ACTION_KEY_PATTERN,
  ACTION_LABEL_MAX_LENGTH,
  ACTIONS_MAX,
  actionsProblem,
  dataProblem,
  GROUP_KEY_PATTERN,
  KIND_PATTERN,
  DATA_MAX_BYTES,
  DATA_MAX_DEPTH,
  jsonProblem,
  linkProblem,
  messageProblem,
  LINK_MAX_LENGTH,
  NOTIFICATION_ID_PATTERN,
  USER_ID_PATTERN,
  WORKSPACE_ID_PATTERN,
} from './validation.js';

/** The version written when a notification needs it (see encodeEvent); every version here is read. */
export const EVENT_VERSION = 2;
const V1 = 1;
/** Hard ceiling for messages from any producer; the API enforces its own, lower, configured bound. */
const MESSAGE_HARD_MAX = 100_000;

/**
 * The shape of version 1, the one source of what the topic holds: the decoder parses with it, and
 * the AsyncAPI document's JSON Schema is generated from it (src/kafka/asyncapi.ts). The
 * descriptions carry the rules decodeEvent checks after it, which JSON Schema cannot say.
 */
export const notificationEventV1 = z
  .object({
    v: z.literal(V1).meta({ description: 'The event version.' }),
    id: z.string().regex(NOTIFICATION_ID_PATTERN, 'id must be a lowercase UUID').meta({
      description: 'The notification id (a lowercase UUID). The store keeps one notification per id: writing the same id again stores nothing twice.',
    }),
    from: z.string().regex(USER_ID_PATTERN).nullable().meta({ description: 'The sender: a user id, or null exactly when the kind is critical (as "system" is).' }),
    to: z.string().regex(USER_ID_PATTERN).meta({ description: 'The recipient: a user id, also the message key.' }),
    kind: z.enum(NOTIFICATION_KINDS),
    message: z.string().meta({
      description: `The text: not blank, at most ${MESSAGE_HARD_MAX} characters (code points), no NUL, well-formed Unicode.`,
    }),
    link: z.string().max(LINK_MAX_LENGTH).nullable().optional().meta({
      description: 'An http(s) URL, or a path starting with / (staying on the app\'s host); no backslashes or control characters.',
    }),
    // Checked by dataProblem (iteratively: a deep payload must not overflow a recursive parser).
    data: z.unknown().optional().meta({
      description: `Any JSON for the app, at most ${DATA_MAX_BYTES} bytes and ${DATA_MAX_DEPTH} levels deep, no NUL, well-formed Unicode.`,
    }),
    createdAt: z.iso.datetime({ offset: true }).meta({ description: 'When it was sent (ISO 8601 with an offset).' }),
  })
  .meta({ title: 'NotificationEventV1', description: 'A notification for one recipient: JSON, keyed by the recipient id (`to`).' });

const actionV2 = z
  .object({
    label: z.string().meta({ description: `The button's text: 1-${ACTION_LABEL_MAX_LENGTH} characters.` }),
    url: z.string().max(LINK_MAX_LENGTH).nullable().optional().meta({ description: 'What pressing it opens: a link as `link` is; exactly one of url and key.' }),
    key: z.string().regex(ACTION_KEY_PATTERN).nullable().optional().meta({ description: 'What pressing it tells the app (`approve`); exactly one of url and key.' }),
  })
  .meta({ title: 'NotificationAction' });

/**
 * Version 2: the kind is any registered kind's name, and three optional fields. Version 1 is still
 * read (its kinds are the five seeded ones) and still written when a notification fits it, so a
 * consumer of the previous release keeps reading what it can while a rolling upgrade runs.
 */
export const notificationEventV2 = notificationEventV1
  .extend({
    v: z.literal(EVENT_VERSION).meta({ description: 'The event version.' }),
    kind: z.string().regex(KIND_PATTERN).meta({
      description: 'A registered kind\'s name (lower case: `invoice.paid`); a kind the service does not know goes to the dead-letter topic.',
    }),
    group: z.string().regex(GROUP_KEY_PATTERN).nullable().optional().meta({
      description: 'The group key (`post-7:like`): the recipient\'s unread notifications with the same key show as one feed item.',
    }),
    actions: z.array(actionV2).max(ACTIONS_MAX).optional().meta({ description: `Up to ${ACTIONS_MAX} buttons.` }),
    workspace: z.string().regex(WORKSPACE_ID_PATTERN).nullable().optional().meta({
      description: 'The workspace (tenant) it was sent within; absent or null: outside any workspace.',
    }),
  })
  .meta({ title: 'NotificationEventV2', description: 'A notification for one recipient: JSON, keyed by the recipient id (`to`).' });

const eventV1 = notificationEventV1;
const eventV2 = notificationEventV2;

export type NotificationEventV1 = z.infer<typeof eventV1>;
export type NotificationEventV2 = z.infer<typeof eventV2>;

const V1_KINDS: ReadonlySet<string> = new Set(NOTIFICATION_KINDS);

/** Version 1 carries it all: a seeded kind and none of version 2's fields. */
const fitsV1 = (notification: NewNotification): boolean =>
  V1_KINDS.has(notification.kind) && !notification.groupKey && !notification.actions?.length && !notification.workspaceId;

export function encodeEvent(notification: NewNotification): { key: string; value: string } {
  const common = {
    id: notification.id,
    from: notification.senderId,
    to: notification.recipientId,
    kind: notification.kind,
    message: notification.message,
    link: notification.link,
    data: notification.data,
    createdAt: notification.createdAt.toISOString(),
  };
  const event: NotificationEventV1 | NotificationEventV2 = fitsV1(notification)
    ? { ...common, v: V1, kind: notification.kind as NotificationEventV1['kind'] }
    : {
        ...common,
        v: EVENT_VERSION,
        group: notification.groupKey ?? null,
        actions: notification.actions?.map((action) => ({ label: action.label, url: action.url, key: action.key })) ?? [],
        workspace: notification.workspaceId ?? null,
      };
  // The recipient is the key: one user's notifications stay ordered on one partition.
  return { key: notification.recipientId, value: JSON.stringify(event) };
}

/** Why an event was refused: not readable as an event at all, or an event that breaks a rule. */
export type DecodeFailure = 'undecodable' | 'invalid';

export type DecodeResult = { ok: true; notification: NewNotification } | { ok: false; reason: DecodeFailure; error: string };

/**
 * The envelope before anything recursive looks at it: `data` within its bounds (walked
 * iteratively), and well-formed text in every other field. Shared by every event on our topics.
 */
export function parseEventJson(value: Buffer | string | null): { ok: true; json: unknown } | { ok: false; reason: DecodeFailure; error: string } {
  if (value === null) return { ok: false, reason: 'undecodable', error: 'empty message (tombstone)' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'undecodable', error: 'value is not JSON' };
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const { data, ...envelope } = json as Record<string, unknown>;
    const problem = dataProblem(data) ?? jsonProblem(envelope, 3);
    if (problem) return { ok: false, reason: 'invalid', error: `invalid event: ${problem}` };
  }
  return { ok: true, json };
}

/** The first issue of a failed parse, said as the dead-letter header says it. */
export const schemaProblem = (error: z.ZodError): string => {
  const first = error.issues[0];
  return `invalid event: ${first ? `${first.path.join('.') || 'value'}: ${first.message}` : 'unknown'}`;
};

/**
 * The rules JSON Schema cannot say, for any event carrying a notification's content. Whether the
 * kind is registered, and so whether it has a sender (a critical kind has none), is the registry's
 * to say: the ingestor asks it (ingest.ts), so decoding stays a pure function of the bytes.
 */
function contentProblem(event: { message: string; link?: string | null | undefined }): string | null {
  const messageError = messageProblem(event.message, MESSAGE_HARD_MAX);
  if (messageError) return `invalid event: ${messageError}`;
  const linkError = event.link ? linkProblem(event.link) : null;
  if (linkError) return `invalid event: ${linkError}`;
  return null;
}

type ContentFields = { from: string | null; kind: NotificationKind; message: string; link?: string | null | undefined; data?: unknown; createdAt: string };

/** An event that carries a notification's content, parsed with `schema` and checked as every such event is; or why not. */
export function readContentEvent<T extends ContentFields>(value: Buffer | string | null, schema: z.ZodType<T>): { ok: true; event: T } | { ok: false; reason: DecodeFailure; error: string } {
  const read = parseEventJson(value);
  if (!read.ok) return read;
  const parsed = schema.safeParse(read.json);
  if (!parsed.success) return { ok: false, reason: 'invalid', error: schemaProblem(parsed.error) };
  const problem = contentProblem(parsed.data);
  if (problem) return { ok: false, reason: 'invalid', error: problem };
  return { ok: true, event: parsed.data };
}

/** The content fields of such an event, as the domain holds them. */
export const contentOf = (event: ContentFields) => ({
  senderId: event.from,
  kind: event.kind,
  message: event.message,
  link: event.link ?? null,
  data: (event.data ?? null) as JsonValue | null,
  createdAt: new Date(event.createdAt),
});

const anyVersion = z.discriminatedUnion('v', [eventV1, eventV2]);

export function decodeEvent(value: Buffer | string | null): DecodeResult {
  const read = readContentEvent(value, anyVersion);
  if (!read.ok) return read;
  const event = read.event;
  const notification: NewNotification = { id: event.id, recipientId: event.to, ...contentOf(event) };
  if (event.v === EVENT_VERSION) {
    const actions: NotificationAction[] = (event.actions ?? []).map((action) => ({ label: action.label.trim(), url: action.url ?? null, key: action.key ?? null }));
    const problem = actionsProblem(actions);
    if (problem) return { ok: false, reason: 'invalid', error: `invalid event: ${problem}` };
    notification.groupKey = event.group ?? null;
    notification.actions = actions;
    notification.workspaceId = event.workspace ?? null;
  }
  return { ok: true, notification };
}
