/**
 * What a client sees of an error: ours keep their code and message; anything else becomes
 * "Unexpected error." with code INTERNAL_SERVER_ERROR, and is logged here, never sent.
 */
import { GraphQLError } from 'graphql';
import { NotifyError } from '../notifications/errors.js';
import type { Logger } from '../logger.js';

export function createMaskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof NotifyError) {
      return new GraphQLError(original.message, {
        ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
        extensions: { code: original.code, ...original.details },
      });
    }
    // Errors GraphQL itself raises (parse, validation, bad variables) are the client's, and safe.
    if (error instanceof GraphQLError && !error.originalError) return error;
    if (original instanceof GraphQLError && original !== error) return original;
    log.error({ err: original }, 'unexpected error in a resolver');
    return new GraphQLError(message, {
      ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
