/**
 * The typed `graphql()` of this package: gql.tada infers every operation's result and variables
 * from schema.graphql (through the generated graphql-env.d.ts), so a schema change that breaks
 * an operation here fails the type check, with nothing per-operation to regenerate. Exported, so
 * an app can write its own operations against the same schema.
 */
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.js';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  // NotificationKind: a registered kind's lower-case name (invoice.paid); new ones appear over time.
  scalars: { DateTime: string; JSON: unknown; NotificationKind: string };
  // Feeds hand whole notifications around; masking would only add casts.
  disableMasking: true;
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
