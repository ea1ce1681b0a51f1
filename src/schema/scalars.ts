import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { DATA_MAX_DEPTH } from '../notifications/validation.js';
import { builder } from './builder.js';

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant, as an ISO-8601 string in UTC, e.g. 2026-11-23T13:00:00.000Z.',
});

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * graphql-scalars' JSON walks a literal recursively with no bound; a hostile document could nest
 * one deep enough to exhaust the stack before validation sees it. This walk is iterative and stops
 * at the same depth the data rule allows, then hands the literal to the library. It also refuses
 * what the library would quietly turn into something else: a variable inside the literal (send
 * the whole value as one variable instead) and an enum (a bare word, not JSON).
 */
function assertPlainLiteral(root: ValueNode): void {
  const pending: { node: ValueNode; depth: number }[] = [{ node: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, depth } = next;
    if (depth > DATA_MAX_DEPTH) throw badInput(`JSON literals must not nest deeper than ${DATA_MAX_DEPTH} levels`);
    if (node.kind === Kind.VARIABLE || node.kind === Kind.ENUM) throw badInput('JSON literals cannot contain variables or enums');
    if (node.kind === Kind.LIST) for (const value of node.values) pending.push({ node: value, depth: depth + 1 });
    if (node.kind === Kind.OBJECT) for (const field of node.fields) pending.push({ node: field.value, depth: depth + 1 });
  }
}

builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value.',
  parseLiteral: (node, variables) => {
    assertPlainLiteral(node);
    return JSONResolver.parseLiteral(node, variables);
  },
});
