/** Notification ids: random, or derived from an idempotency key so a retried send maps to the same id. */
import { createHash, randomUUID } from 'node:crypto';

export function newNotificationId(
  senderId: string | null,
  recipientId: string,
  idempotencyKey: string | null | undefined,
): string {
  if (!idempotencyKey) return randomUUID();
  // Scoped by sender and recipient: two senders choosing the same key must not collide, and one
  // sender's "mention-post-7" to two people is two notifications, not one that only the first
  // recipient gets. SYSTEM notifications have no sender: "welcome" once per user.
  const scope = senderId === null ? `system\u0000${recipientId}` : `user\u0000${senderId}\u0000${recipientId}`;
  const hash = createHash('sha256').update(`${scope}\u0000${idempotencyKey}`).digest();
  // Shape it as an RFC 9562 version-8 (custom) UUID so every id has one format.
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
