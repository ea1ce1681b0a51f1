/** The one Pothos builder. Types live in their own files beside their root fields. */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { NotifyError } from '../notifications/errors.js';
import type { JsonValue } from '../notifications/notification.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  AuthScopes: {
    /** A service token with notifications:admin. */
    admin: boolean;
    /** A user token for this user id; null stands for "the caller's own", an argument left out. */
    self: string | null;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: JsonValue; Output: JsonValue };
    NotificationKind: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  relay: {
    // Our ids are the store's own (UUIDs clients already hold), not Relay global ids, so there is
    // no Node interface and no node/nodes lookups that would bypass the per-field scopes.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    nodesOnConnection: true,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
  scopeAuth: {
    // Subscriptions are checked when they start, not at each event.
    authorizeOnSubscribe: true,
    // One answer whether the user named exists or not, so ids cannot be probed.
    unauthorizedError: () => new NotifyError('FORBIDDEN', 'this token may not act for that user'),
    authScopes: ({ caller }) => ({
      admin: caller.kind === 'service' && caller.isAdmin,
      self: (userId) => caller.kind === 'user' && (userId === null || userId === caller.userId),
    }),
  },
  defaultFieldNullability: false,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
