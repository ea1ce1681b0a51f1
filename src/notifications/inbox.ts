/** Reading a recipient's inbox: paging arguments are checked here, once, for every transport. */
import { decodeCursor } from './cursor.js';
import { badInput } from './errors.js';
import type { NotificationFilter, NotificationPage, NotificationStore } from './ports.js';
import { assertUserId } from './validation.js';

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  filter?: NotificationFilter | null;
}

export function createInbox({ store }: { store: NotificationStore }) {
  function pageSize(value: number | null | undefined, field: string): number | undefined {
    if (value === null || value === undefined) return undefined;
    if (!Number.isInteger(value) || value < 0 || value > PAGE_SIZE_MAX) {
      throw badInput(`${field} must be between 0 and ${PAGE_SIZE_MAX}`, field);
    }
    return value;
  }

  async function list(userId: string, args: PageArgs): Promise<NotificationPage> {
    assertUserId(userId, 'userId');
    const first = pageSize(args.first, 'first');
    const last = pageSize(args.last, 'last');
    if (first !== undefined && last !== undefined) throw badInput('pass first or last, not both', 'last');
    const after = args.after ? decodeCursor(args.after, 'after') : undefined;
    const before = args.before ? decodeCursor(args.before, 'before') : undefined;
    return store.listNotifications({
      userId,
      ...(last !== undefined ? { last } : { first: first ?? PAGE_SIZE_DEFAULT }),
      ...(after !== undefined && { after }),
      ...(before !== undefined && { before }),
      ...(args.filter && { filter: args.filter }),
    });
  }

  async function unreadCount(userId: string): Promise<number> {
    return store.unreadCount(assertUserId(userId, 'userId'));
  }

  return { list, unreadCount, listUsers: () => store.listUsers(), getUsers: (ids: readonly string[]) => store.getUsers(ids) };
}

export type Inbox = ReturnType<typeof createInbox>;
