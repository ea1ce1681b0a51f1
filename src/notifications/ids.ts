/**
 * Notification ids: random, or derived from what makes a send the same send (an idempotency key,
 * a broadcast and its recipient), so a retried send or a resumed expansion maps to the same id.
 */
import { createHash, randomUUID } from 'node:crypto';

/** An RFC 9562 version-8 (custom) UUID from a SHA-256 of `parts`, so derived and random ids share one format. */
function derivedId(...parts: string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newNotificationId(
  senderId: string | null,
  recipientId: string,
  idempotencyKey: string | null | undefined,
  workspaceId: string | null = null,
): string {
  if (!idempotencyKey) return randomUUID();
  // And by workspace, when sent within one: the same key in two workspaces is two notifications,
  // one in each inbox. Outside any workspace the id is derived as it was before workspaces.
  if (workspaceId !== null) {
    return derivedId('workspace', workspaceId, senderId === null ? 'system' : `user:${senderId}`, recipientId, idempotencyKey);
  }
  // Scoped by sender and recipient: two senders choosing the same key must not collide, and one
  // sender's "mention-post-7" to two people is two notifications, not one that only the first
  // recipient gets. SYSTEM notifications have no sender: "welcome" once per user.
  return senderId === null ? derivedId('system', recipientId, idempotencyKey) : derivedId('user', senderId, recipientId, idempotencyKey);
}

/** A broadcast's id: random, or one per sender, topic and idempotency key. */
export function newBroadcastId(senderId: string | null, topic: string, idempotencyKey: string | null | undefined): string {
  if (!idempotencyKey) return randomUUID();
  return derivedId('broadcast', senderId ?? '', topic, idempotencyKey);
}

/** The id of one subscriber's copy of a broadcast: the same however often the expansion runs. */
export const broadcastNotificationId = (broadcastId: string, recipientId: string): string => derivedId('broadcast-recipient', broadcastId, recipientId);

/**
 * A digest's summary: one per recipient, workspace, kind, delivery and period start, however often
 * the closing runs (a closer that died after producing it is replaced, and produces the same id).
 */
export const digestSummaryId = (recipientId: string, workspaceId: string | null, kind: string, delivery: string, periodStart: Date): string =>
  derivedId('digest', recipientId, workspaceId ?? '', kind, delivery, periodStart.toISOString());
