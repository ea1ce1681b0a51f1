/**
 * Which inbox: a user's within a workspace (a tenant of a B2B product), or outside any. A user in
 * two workspaces has two inboxes, each with its own feed, counts, seq and live events, besides
 * the one outside any workspace that every user had before workspaces.
 *
 * Where an inbox is named, a bare user id names the user's inbox outside any workspace, so every
 * caller written before workspaces means what it meant; forgetting the workspace reaches no other
 * workspace's rows, only the user's own rows of none.
 */
import { badInput } from './errors.js';
import type { InboxEvent } from './ports.js';
import { assertUserId, WORKSPACE_ID_PATTERN } from './validation.js';

export interface InboxKey {
  userId: string;
  /** Null: outside any workspace. */
  workspaceId: string | null;
}

/** An inbox as the ports take it: a key, or a user id for the user's inbox outside any workspace. */
export type InboxRef = string | InboxKey;

export const inboxKey = (ref: InboxRef): InboxKey => (typeof ref === 'string' ? { userId: ref, workspaceId: null } : ref);

/** One string per inbox (a NUL cannot occur in either id): for maps, DataLoader keys and emitter events. */
export const inboxKeyString = (ref: InboxRef): string => {
  const { userId, workspaceId } = inboxKey(ref);
  return `${userId}\u0000${workspaceId ?? ''}`;
};

/** The inbox an event is of: an event without a workspace (one published before workspaces, too) is of the inbox outside any. */
export const inboxOfEvent = (event: Pick<InboxEvent, 'userId' | 'workspaceId'>): InboxKey => ({ userId: event.userId, workspaceId: event.workspaceId ?? null });

export function assertWorkspaceId(value: string, field = 'workspaceId'): string {
  if (!WORKSPACE_ID_PATTERN.test(value)) {
    throw badInput(`${field} is not a valid workspace id (1-64 letters, digits or _.:@|-, starting with a letter or digit)`, field);
  }
  return value;
}

/** The key checked: a valid user id, and a valid workspace id or none. */
export function assertInboxKey(ref: InboxRef, field = 'userId'): InboxKey {
  const key = inboxKey(ref);
  assertUserId(key.userId, field);
  if (key.workspaceId !== null) assertWorkspaceId(key.workspaceId);
  return key;
}
