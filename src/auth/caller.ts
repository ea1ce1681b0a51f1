/**
 * Who is calling, as a verified token says. A user token acts for its subject alone; a service
 * token acts for a back end, with scopes that say what it may do for any user.
 */
export const SCOPES = {
  /** Send as any user, or as SYSTEM. */
  send: 'notifications:send',
  /** Everything: read and change any inbox, manage users, send as anyone. */
  admin: 'notifications:admin',
} as const;

/**
 * `workspaceId`: the workspace (tenant) the token's workspace claim names, when it names one. A
 * user token with one acts in that workspace's inbox only, and one without in the inbox outside
 * any; a service token with one acts within that workspace only (schema/workspace.ts).
 */
export type Caller =
  | { kind: 'user'; userId: string; workspaceId?: string; expiresAt: Date }
  | { kind: 'service'; subject: string; canSend: boolean; isAdmin: boolean; workspaceId?: string; expiresAt: Date };

/** The key limits are counted under: one user, or one service subject. */
export const callerKey = (caller: Caller): string => (caller.kind === 'user' ? `user:${caller.userId}` : `service:${caller.subject}`);

export const isAdmin = (caller: Caller): boolean => caller.kind === 'service' && caller.isAdmin;

/** Expired by the clock, leeway or not: a token let in within the clock tolerance is still expired here. */
export const isExpired = (caller: Caller, now = Date.now()): boolean => caller.expiresAt.getTime() <= now;
