import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { NotificationKind } from '../notifications/notification.js';
import { DATA_MAX_DEPTH, KIND_PATTERN } from '../notifications/validation.js';
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

/**
 * NotificationKind was an enum of five; it became a scalar when kinds became a team's own (a
 * registered kind's lower-case name). So that documents written against the enum keep working, an
 * enum literal (FOLLOW) is read as its lower-case name, and a string case-insensitively
 * ("Invoice.Paid" is invoice.paid). Whether the kind is registered is the domain's to say
 * (BAD_USER_INPUT on field kind, naming it): a scalar parses without the registry.
 */
const kindName = (value: unknown): NotificationKind => {
  if (typeof value !== 'string') throw new GraphQLError('a NotificationKind is a string: a registered kind\'s name (invoice.paid)', { extensions: { code: 'BAD_USER_INPUT', field: 'kind' } });
  // Bounded before lower-casing: a huge string is refused without a copy of it.
  const name = value.length > 64 ? value : value.toLowerCase();
  if (!KIND_PATTERN.test(name)) {
    throw new GraphQLError(`"${value.slice(0, 80)}" is not a kind name: 1-64 letters, digits or _.:- starting with a letter (invoice.paid)`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'kind' },
    });
  }
  return name;
};

export const NotificationKindRef = builder.scalarType('NotificationKind', {
  description:
    'A registered kind\'s name, in lower case (`invoice.paid`, `follow`); see the kinds query. Read case-insensitively; an enum literal (FOLLOW) is read as its lower-case name, as documents written when this was an enum spell it. New kinds are registered over time: clients should tolerate names they do not know.',
  serialize: (value) => value,
  parseValue: kindName,
  parseLiteral: (node: ValueNode) => {
    if (node.kind === Kind.ENUM || node.kind === Kind.STRING) return kindName(node.value);
    throw new GraphQLError('a NotificationKind is a string (or an enum literal such as FOLLOW)', { extensions: { code: 'BAD_USER_INPUT', field: 'kind' } });
  },
});

builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value.',
  parseLiteral: (node, variables) => {
    assertPlainLiteral(node);
    return JSONResolver.parseLiteral(node, variables);
  },
});
