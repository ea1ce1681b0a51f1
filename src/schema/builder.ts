/** The one Pothos builder. Types live in their own files beside their root fields. */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { NotifyError } from '../notifications/errors.js';
import type { JsonValue } from '../notifications/notification.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  AuthScopes: {
    /** A service token with notifications:admin. */
    admin: boolean;
    /** A user token for this user id; null stands for "the caller's own", an argument left out. */
    self: string | null;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: JsonValue; Output: JsonValue };
  };
}>({
  plugins: [ScopeAuthPlugin],
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
