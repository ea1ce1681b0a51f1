/**
 * Sending: validate, check that sender and recipient exist, write to the log. Answers only after
 * the broker acknowledged, so an answered send is never lost; storing happens in the consumer.
 */
import { assertActions, type ActionInput } from './actions.js';
import { NotifyError } from './errors.js';
import { newNotificationId } from './ids.js';
import { assertWorkspaceId } from './inbox-key.js';
import type { JsonValue, NewNotification, NotificationKind } from './notification.js';
import { NO_TELEMETRY, type NotificationProducer, type NotifyTelemetry } from './ports.js';
import { DEFAULT_KINDS, staticKinds, type KindDefaults, type KindLookup, type KindTable } from './preferences.js';
import type { UserDirectory } from './user-directory.js';
import {
  assertData,
  assertLink,
  assertMessage,
  assertUserId,
  GROUP_KEY_PATTERN,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  senderFitsKind,
  textProblem,
} from './validation.js';

export interface SendInput {
  /** Null or absent: the authority's own user, or none for a service (a critical kind, such as SYSTEM). */
  senderId?: string | null;
  recipientId: string;
  kind: NotificationKind;
  message: string;
  link?: string | null;
  data?: JsonValue | null;
  idempotencyKey?: string | null;
  /** The workspace (tenant) it is sent within (inbox-key.ts): its recipient's inbox there. None when absent. */
  workspaceId?: string | null;
  /** Unread notifications of the recipient with this key show as one feed item (`post-7:like`); none when absent. */
  groupKey?: string | null;
  /** Up to two buttons (actions.ts); none when absent. */
  actions?: readonly ActionInput[] | null;
}

/**
 * On whose behalf a send is made. A user sends as themself only, never as SYSTEM; a trusted
 * back end (a service token with the send scope) may name any sender, or none for SYSTEM.
 */
export type SendAuthority =
  | { kind: 'user'; userId: string; workspaceId?: string | null }
  | { kind: 'any'; workspaceId?: string | null };

export type SendResult = { ok: true; notification: NewNotification } | { ok: false; error: NotifyError };

export interface SenderDeps {
  /** The user directory the inbox shares (it remembers the users it found). */
  users: Pick<UserDirectory, 'getUsers'>;
  producer: NotificationProducer;
  messageMaxLength: number;
  now?: () => Date;
  telemetry?: Pick<NotifyTelemetry, 'sent'>;
  /** The kind registry (default: the seeded kinds). */
  kinds?: KindLookup;
}

/**
 * The kind a send is counted under in metrics: a registered one, or one fixed value for every
 * other name (which a caller picks freely), so the label's values stay the registry's, bounded.
 */
export const kindLabel = (kinds: KindTable, kind: NotificationKind): string => (kinds.has(kind) ? kind : '(unregistered)');

export const SEND_BATCH_MAX = 1000;

export function assertBatchSize(count: number): void {
  if (count > SEND_BATCH_MAX) {
    throw new NotifyError('BAD_USER_INPUT', `at most ${SEND_BATCH_MAX} notifications per call`, { field: 'inputs' });
  }
}

/** A kind the registry does not hold is refused, naming it. */
export function registeredKind(kinds: KindTable, kind: NotificationKind): KindDefaults {
  const defaults = kinds.get(kind);
  if (!defaults) throw new NotifyError('BAD_USER_INPUT', `kind "${kind}" is not registered: register it first (registerKind, or KINDS_FILE)`, { field: 'kind' });
  return defaults;
}

/**
 * What a notification says and who says it, checked against the registered kinds: the same rules
 * for one recipient and for a topic's subscribers.
 */
export function buildContent(input: Omit<SendInput, 'recipientId'>, authority: SendAuthority, messageMaxLength: number, kinds: KindTable) {
  const kind = registeredKind(kinds, input.kind);
  const senderId = senderOf(input, authority, kind.critical);
  if (!senderFitsKind(kind, senderId)) {
    throw new NotifyError('BAD_USER_INPUT', 'senderId is required, except for a critical kind (such as SYSTEM) where it must be null', {
      field: 'senderId',
    });
  }
  return {
    senderId,
    kind: input.kind,
    message: assertMessage(input.message, messageMaxLength),
    link: assertLink(input.link),
    data: assertData(input.data ?? null),
  };
}

function senderOf(input: Omit<SendInput, 'recipientId'>, authority: SendAuthority, critical: boolean): string | null {
  const named = input.senderId ?? null;
  if (authority.kind === 'any') return named === null ? null : assertUserId(named, 'senderId');
  if (named !== null && named !== authority.userId) {
    throw new NotifyError('FORBIDDEN', 'a user token sends as its own user only: leave senderId out', { field: 'senderId' });
  }
  if (critical) {
    throw new NotifyError('FORBIDDEN', `only a service token may send ${input.kind} notifications: the kind is critical, sent with no sender`, { field: 'kind' });
  }
  return authority.userId;
}

/**
 * The workspace a send is made within. A user token sends within its own workspace (its claim), or
 * outside any when it has none, and may name no other; a service token confined to a workspace
 * likewise; any other service token names any workspace, or none.
 */
export function workspaceOf(input: Pick<SendInput, 'workspaceId'>, authority: SendAuthority): string | null {
  const named = input.workspaceId === null || input.workspaceId === undefined ? null : assertWorkspaceId(input.workspaceId);
  const confined = authority.kind === 'user' ? (authority.workspaceId ?? null) : authority.workspaceId;
  if (confined === undefined) return named;
  if (named !== null && named !== confined) {
    throw new NotifyError('FORBIDDEN', 'this token sends within its own workspace only: leave workspaceId out', { field: 'workspaceId' });
  }
  return confined;
}

export function assertIdempotencyKey(key: string | null | undefined): string | null {
  if (key === null || key === undefined) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || textProblem(key)) {
    throw new NotifyError('BAD_USER_INPUT', `idempotencyKey must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} characters of well-formed text, without NUL`, {
      field: 'idempotencyKey',
    });
  }
  return key;
}

export function assertGroupKey(key: string | null | undefined): string | null {
  if (key === null || key === undefined) return null;
  if (!GROUP_KEY_PATTERN.test(key)) {
    throw new NotifyError('BAD_USER_INPUT', 'groupKey must be 1-128 letters, digits or _.:@|/-, starting with a letter or digit', { field: 'groupKey' });
  }
  return key;
}

export function createSender({ users, producer, messageMaxLength, now = () => new Date(), telemetry = NO_TELEMETRY, kinds = staticKinds(DEFAULT_KINDS) }: SenderDeps) {
  async function existing(ids: Set<string>): Promise<Set<string>> {
    return new Set((await users.getUsers([...ids])).map((user) => user.id));
  }

  function build(input: SendInput, authority: SendAuthority, createdAt: Date, table: KindTable): NewNotification {
    const content = buildContent(input, authority, messageMaxLength, table);
    const recipientId = assertUserId(input.recipientId, 'recipientId');
    const workspaceId = workspaceOf(input, authority);
    const actions = assertActions(input.actions);
    const groupKey = assertGroupKey(input.groupKey);
    return {
      id: newNotificationId(content.senderId, recipientId, assertIdempotencyKey(input.idempotencyKey), workspaceId),
      recipientId,
      ...content,
      createdAt,
      // Only within one: a notification outside any workspace is what it was before them.
      ...(workspaceId !== null && { workspaceId }),
      // Only when it has some: a notification without buttons still fits the event's version 1.
      ...(actions.length > 0 && { actions }),
      // Likewise only when given.
      ...(groupKey !== null && { groupKey }),
    };
  }

  /** One result per input, in order: a bad item fails alone; the good ones share one produce call. */
  async function sendMany(inputs: readonly SendInput[], authority: SendAuthority): Promise<SendResult[]> {
    assertBatchSize(inputs.length);
    const createdAt = now();
    const table = await kinds.table(new Set(inputs.map((input) => input.kind)));
    const results: SendResult[] = inputs.map((input) => {
      try {
        return { ok: true, notification: build(input, authority, createdAt, table) };
      } catch (error) {
        if (error instanceof NotifyError) return { ok: false, error };
        throw error;
      }
    });

    const built = results.flatMap((result) => (result.ok ? [result.notification] : []));
    const userIds = new Set(built.flatMap((n) => (n.senderId === null ? [n.recipientId] : [n.senderId, n.recipientId])));
    const known = await existing(userIds);
    const checked = results.map((result): SendResult => {
      if (!result.ok) return result;
      const { senderId, recipientId } = result.notification;
      if (senderId !== null && !known.has(senderId)) {
        return { ok: false, error: new NotifyError('USER_NOT_FOUND', `no user with id ${senderId}`, { field: 'senderId' }) };
      }
      if (!known.has(recipientId)) {
        return { ok: false, error: new NotifyError('USER_NOT_FOUND', `no user with id ${recipientId}`, { field: 'recipientId' }) };
      }
      return result;
    });

    const answered = await produce(checked);
    answered.forEach((result, index) => telemetry.sent(kindLabel(table, inputs[index]!.kind), result.ok ? 'accepted' : result.error.code));
    return answered;
  }

  async function produce(checked: SendResult[]): Promise<SendResult[]> {
    const toSend = checked.flatMap((result) => (result.ok ? [result.notification] : []));
    if (toSend.length === 0) return checked;
    try {
      await producer.send(toSend);
    } catch (error) {
      const failure = error instanceof NotifyError ? error : new NotifyError('KAFKA_UNAVAILABLE', 'could not write to Kafka');
      return checked.map((result) => (result.ok ? { ok: false, error: failure } : result));
    }
    return checked;
  }

  async function sendOne(input: SendInput, authority: SendAuthority): Promise<NewNotification> {
    const [result] = await sendMany([input], authority);
    if (!result) throw new Error('sendMany returned no result');
    if (!result.ok) throw result.error;
    return result.notification;
  }

  return { sendOne, sendMany };
}

export type Sender = ReturnType<typeof createSender>;
