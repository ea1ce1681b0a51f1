/**
 * Whose inbox an operation touches, and on whose behalf a send is made. The `userId` arguments
 * default to the caller; the scope rules (builder.ts) have already refused anyone else.
 */
import { callerKey, type Caller } from '../auth/caller.js';
import { badInput } from '../notifications/errors.js';
import type { SendAuthority } from '../notifications/send.js';
import type { Context } from './context.js';

/** Field rule: the named user's own token, or an admin service. */
export const ownInbox = (userId: string | number | null | undefined) => ({
  $any: { admin: true, self: userId === null || userId === undefined ? null : String(userId) },
});

export function inboxOwner(caller: Caller, userId: string | number | null | undefined): string {
  if (userId !== null && userId !== undefined) return String(userId);
  if (caller.kind === 'user') return caller.userId;
  throw badInput('userId is required with a service token', 'userId');
}

export const sendAuthority = (caller: Caller): SendAuthority =>
  caller.kind === 'user' ? { kind: 'user', userId: caller.userId } : { kind: 'any' };

/** Spends one of the caller's inbox changes, or throws RATE_LIMITED. */
export const spendInboxAllowance = (ctx: Context) => ctx.inboxRate.take(ctx.caller.kind, callerKey(ctx.caller));

/** Spends the caller's sending allowance for `count` notifications, or throws RATE_LIMITED (GraphQL and the HTTP API alike). */
export const spendSendAllowance = (ctx: Pick<Context, 'caller' | 'sendRate'>, count: number) => ctx.sendRate.take(ctx.caller.kind, callerKey(ctx.caller), count);
