/**
 * Whose inbox an operation touches, and on whose behalf a send is made. The `userId` arguments
 * default to the caller; the scope rules (builder.ts) have already refused anyone else.
 */
import { callerKey, type Caller } from '../auth/caller.js';
import { badInput, NotifyError } from '../notifications/errors.js';
import { assertWorkspaceId, type InboxKey } from '../notifications/inbox-key.js';
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
  caller.kind === 'user'
    ? { kind: 'user', userId: caller.userId, workspaceId: caller.workspaceId ?? null }
    : { kind: 'any', ...(caller.workspaceId !== undefined && { workspaceId: caller.workspaceId }) };

/**
 * The workspace an inbox operation acts in: a token's own (its workspace claim) by default, and no
 * other; a user token without one acts outside any workspace and may name none; a service token
 * without one names any workspace, or none. One answer whoever asks and whatever exists, so a
 * refusal tells nothing about another workspace.
 */
export function inboxWorkspace(caller: Caller, workspaceId: string | number | null | undefined): string | null {
  const named = workspaceId === null || workspaceId === undefined ? null : assertWorkspaceId(String(workspaceId));
  const own = caller.workspaceId ?? null;
  if (caller.kind === 'service' && caller.workspaceId === undefined) return named;
  if (named !== null && named !== own) throw new NotifyError('FORBIDDEN', 'this token may not act in that workspace', { field: 'workspaceId' });
  return own;
}

/** What every inbox field's `workspaceId` argument says. */
export const WORKSPACE_ARG =
  "The inbox's workspace (tenant). Default: the token's workspace claim, or outside any workspace when it has none. A token with a workspace, and a user token, may name no other.";

/** The inbox an operation touches: its owner (inboxOwner) in its workspace (inboxWorkspace). */
export const inboxOf = (caller: Caller, args: { userId?: string | number | null; workspaceId?: string | number | null }): InboxKey => ({
  userId: inboxOwner(caller, args.userId),
  workspaceId: inboxWorkspace(caller, args.workspaceId),
});

/** Spends one of the caller's inbox changes, or throws RATE_LIMITED. */
export const spendInboxAllowance = (ctx: Context) => ctx.inboxRate.take(ctx.caller.kind, callerKey(ctx.caller));

/** Spends the caller's sending allowance for `count` notifications, or throws RATE_LIMITED (GraphQL and the HTTP API alike). */
export const spendSendAllowance = (ctx: Pick<Context, 'caller' | 'sendRate'>, count: number) => ctx.sendRate.take(ctx.caller.kind, callerKey(ctx.caller), count);
