import type { JsonValue, Notification, NotificationAction, NotificationKind } from '../notifications/notification.js';

/** A row of `notifications` as both drivers return it (see the SqlClient contract). */
export interface NotificationRow {
  id: string;
  recipient_id: string;
  seq: number;
  sender_id: string | null;
  kind: NotificationKind;
  message: string;
  link: string | null;
  data: JsonValue | null;
  created_at: Date;
  read_at: Date | null;
  archived_at: Date | null;
  seen_at: Date | null;
  snoozed_until: Date | null;
  /** Migration 011: the key as sent, and the seq naming its feed item (null without a key). */
  group_key: string | null;
  group_seq: number | null;
  /** '' outside any workspace (migration 013). */
  workspace_id: string;
  /** jsonb: both drivers parse it (migration 010). */
  actions: NotificationAction[];
  pressed_action: number | null;
  pressed_at: Date | null;
}

/** `seen_at` as the domain knows it: read or archived rows are seen too (migration 004). */
export const NOTIFICATION_COLUMNS =
  'id, recipient_id, seq, sender_id, kind, message, link, data, created_at, read_at, archived_at, COALESCE(seen_at, read_at, archived_at) AS seen_at, snoozed_until, workspace_id, group_key, group_seq, actions, pressed_action, pressed_at';

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    recipientId: row.recipient_id,
    seq: row.seq,
    senderId: row.sender_id,
    kind: row.kind,
    message: row.message,
    link: row.link,
    data: row.data,
    createdAt: row.created_at,
    readAt: row.read_at,
    archivedAt: row.archived_at,
    seenAt: row.seen_at,
    snoozedUntil: row.snoozed_until,
    // Only on grouped rows, so an ungrouped one reads as it did before grouping.
    ...(row.group_key !== null && { groupKey: row.group_key, groupSeq: row.group_seq === null ? null : Number(row.group_seq) }),
    // Outside any workspace the field is left out, so such a row reads as it did before workspaces.
    ...(row.workspace_id !== '' && { workspaceId: row.workspace_id }),
    actions: row.actions.map((action) => ({ label: action.label, url: action.url ?? null, key: action.key ?? null })),
    pressedAction: row.pressed_action === null || row.pressed_at === null ? null : { index: row.pressed_action, at: row.pressed_at },
  };
}

/** The column's value for an inbox's workspace: '' outside any (migration 013). */
export const workspaceColumn = (workspaceId: string | null | undefined): string => workspaceId ?? '';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ids that can name a stored notification, in PostgreSQL's canonical (lower-case) spelling.
 * Anything else matches nothing, so it is dropped here rather than failing the `::uuid[]` cast.
 */
export function storableIds(ids: readonly string[]): string[] {
  return ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
}

/** Rows in the order their ids were asked for (RETURNING and `= ANY` promise no order). */
export function inOrderOf<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): T[] {
  const position = new Map<string, number>();
  ids.forEach((id, index) => {
    if (!position.has(id)) position.set(id, index);
  });
  return [...rows].sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
}
