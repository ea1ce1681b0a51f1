/** Rules on what a client may send, shared by the API and the consumer's decoder. */
import { badInput } from './errors.js';
import type { NotificationKind } from './notification.js';

/** Ids of users are opaque to us but must be safe to use as Kafka keys and in logs. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
export const NOTIFICATION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const LINK_MAX_LENGTH = 2048;
export const DATA_MAX_BYTES = 16 * 1024;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** PostgreSQL refuses U+0000 in text and JSON; a message carrying it could never be stored. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner));
  }
  return false;
}

function assertNoNul(value: unknown, field: string) {
  if (containsNul(value)) throw badInput(`${field} must not contain the NUL character`, field);
}

export function assertUserId(value: string, field: string): string {
  if (!USER_ID_PATTERN.test(value)) {
    throw badInput(`${field} is not a valid user id (1-64 letters, digits or _.:@-)`, field);
  }
  return value;
}

export function assertNotificationIds(ids: readonly string[], field = 'ids'): string[] {
  if (ids.length === 0) throw badInput(`${field} must not be empty`, field);
  if (ids.length > 1000) throw badInput(`${field} takes at most 1000 ids`, field);
  for (const id of ids) {
    if (!NOTIFICATION_ID_PATTERN.test(id)) throw badInput(`${field} contains a malformed notification id`, field);
  }
  return [...new Set(ids)];
}

export function assertMessage(value: string, maxLength: number): string {
  assertNoNul(value, 'message');
  const message = value.trim();
  if (message.length === 0) throw badInput('message must not be empty', 'message');
  if (message.length > maxLength) throw badInput(`message is longer than ${maxLength} characters`, 'message');
  return message;
}

export function assertLink(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  assertNoNul(value, 'link');
  if (value.length > LINK_MAX_LENGTH) throw badInput(`link is longer than ${LINK_MAX_LENGTH} characters`, 'link');
  const problem = linkProblem(value);
  if (problem) throw badInput(problem, 'link');
  return value;
}

const LINK_BASE = 'https://app.invalid';

/** Why a link is unsafe to render, or null. Shared by the API and the consumer's decoder. */
export function linkProblem(value: string): string | null {
  const invalid = 'link must be an http(s) URL or a path starting with /';
  // Browsers forgive backslashes and strip tabs and newlines, which turns "/\\evil" into "//evil".
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return invalid;
  let url: URL;
  try {
    url = new URL(value, LINK_BASE);
  } catch {
    return invalid;
  }
  if (value.startsWith('/')) {
    // Relative links ("/posts/42") are how apps point into themselves; they must stay on the app's host.
    return url.origin === LINK_BASE ? null : invalid;
  }
  if (!/^https?:\/\//i.test(value) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return invalid;
  return null;
}

/** Why a `data` payload cannot be kept, or null. Shared by the API and the consumer's decoder. */
export function dataProblem(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.byteLength(JSON.stringify(value)) > DATA_MAX_BYTES ? `data is larger than ${DATA_MAX_BYTES} bytes` : null;
}

export function assertData<T>(value: T): T {
  assertNoNul(value, 'data');
  const problem = dataProblem(value);
  if (problem) throw badInput(problem, 'data');
  return value;
}

/** SYSTEM notifications have no sender; every other kind has one. */
export const senderFitsKind = (kind: NotificationKind, senderId: string | null): boolean =>
  (kind === 'system') === (senderId === null);
