import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { JsonValue } from '../notifications/notification.js';
import { DATA_MAX_DEPTH } from '../notifications/validation.js';
import { builder } from './builder.js';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC, e.g. 2026-11-23T13:00:00.000Z.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : Number.NaN;
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw badInput('DateTime must be an ISO-8601 string');
    return date;
  },
});

function literalToJson(node: ValueNode, depth = 0): JsonValue {
  // The same bound as the data rule, enforced while walking: a hostile literal must not recurse deep.
  if (depth > DATA_MAX_DEPTH) throw badInput(`JSON literals must not nest deeper than ${DATA_MAX_DEPTH} levels`);
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((value) => literalToJson(value, depth + 1));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalToJson(field.value, depth + 1)]));
    default:
      throw badInput('JSON literals cannot contain variables or enums');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value as JsonValue,
  parseLiteral: (node) => literalToJson(node),
});
