/**
 * Users as the service reads them: every send checks its two users, and every inbox page names the
 * senders of its rows. Users are created rarely and renamed more rarely still, so the ones found
 * are remembered for a minute, which saves a store round-trip per mutation and per page. Unknown
 * ids are never remembered, so a user created a moment ago is found at once; a rename shows at once
 * on the instance that made it and within the minute on the others.
 *
 * It is also the user administration the API offers admins (list, create or rename), a service of
 * its own beside the inbox: users are not inbox state.
 */
import { LRUCache } from 'lru-cache';
import type { User } from './notification.js';
import type { NotificationStore } from './ports.js';
import { assertUserId, assertUserName } from './validation.js';

const USER_TTL_MS = 60_000;
const USERS_REMEMBERED = 100_000;

export function createUserDirectory(store: Pick<NotificationStore, 'getUsers' | 'upsertUser' | 'listUsers'>) {
  const known = new LRUCache<string, User>({ max: USERS_REMEMBERED, ttl: USER_TTL_MS });

  /** The users of `ids` that exist, in no particular order. */
  async function getUsers(ids: readonly string[]): Promise<User[]> {
    const found: User[] = [];
    const unsure: string[] = [];
    for (const id of ids) {
      const user = known.get(id);
      if (user) found.push(user);
      else unsure.push(id);
    }
    if (unsure.length === 0) return found;
    for (const user of await store.getUsers(unsure)) {
      known.set(user.id, user);
      found.push(user);
    }
    return found;
  }

  /** Creates the user, or renames them; checked here, for every caller. */
  async function upsertUser(id: string, name: string): Promise<User> {
    const saved = await store.upsertUser({ id: assertUserId(id, 'id'), name: assertUserName(name) });
    known.set(saved.id, saved);
    return saved;
  }

  return { getUsers, upsertUser, listUsers: () => store.listUsers() };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
