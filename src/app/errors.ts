/**
 * What a client sees of an error: ours keep their code and message; anything else becomes
 * "Unexpected error." with code INTERNAL_SERVER_ERROR, and is logged here, never sent. Every
 * error leaves with a code, and no message echoes more than a short piece of what was sent.
 */
import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { ERROR_CODES, NotifyError, retryAfterSecondsOf } from '../notifications/errors.js';
import type { Logger } from '../logger.js';
import type { Context } from '../schema/context.js';

/** Every code a client may see; anything else is a bug, counted as OTHER in metrics. */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  ...ERROR_CODES,
  'INTERNAL_SERVER_ERROR',
  'QUERY_TOO_COMPLEX',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_ACCEPTABLE',
  'PAYLOAD_TOO_LARGE',
  'LENGTH_REQUIRED',
]);

/** Long enough for any message of ours; a client's 1 MB field name is not sent back whole. */
const MESSAGE_MAX_LENGTH = 300;

const shorten = (message: string) => (message.length > MESSAGE_MAX_LENGTH ? `${message.slice(0, MESSAGE_MAX_LENGTH)}…` : message);

const statusCodes: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 415: 'UNSUPPORTED_MEDIA_TYPE' };

function statusOf(error: GraphQLError): number | undefined {
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}

/** The same error (where it points in the document and the result) with another message or extensions. */
function rebuilt(error: GraphQLError, message: string, extensions: GraphQLErrorExtensions): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

/**
 * The error as a client may see it: a code (from its HTTP status, else `code`, when it had
 * none), a bounded message, and nothing of the underlying exception (Yoga attaches the JSON
 * parser's message, which quotes the body).
 */
export function withCode(error: GraphQLError, code: string, { suggestions = true } = {}): GraphQLError {
  const { originalError: hidden, ...extensions } = error.extensions;
  const known = typeof extensions.code === 'string';
  const message = suggestions ? error.message : withoutSuggestions(error.message);
  if (known && hidden === undefined && message === error.message && message.length <= MESSAGE_MAX_LENGTH) return error;
  const status = statusOf(error);
  return rebuilt(error, shorten(message), { ...extensions, code: known ? extensions.code : ((status && statusCodes[status]) ?? code) });
}

/** Without extensions.http, which tells Yoga what HTTP status to answer: a socket has no use for it. */
export function withoutHttp(error: GraphQLError): GraphQLError {
  if (!('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return rebuilt(error, error.message, extensions);
}

/**
 * graphql-js suggests names ("Did you mean …?") in validation and variable errors alike; armor's
 * blocker only catches the field ones. With suggestions off, none is sent.
 */
const withoutSuggestions = (message: string) => message.replace(/\s*Did you mean [^]*$/, '');

export interface ErrorOptions {
  /** Whether messages may suggest names of the schema (off in production). */
  suggestions: boolean;
}

/** Validation errors do not pass through the mask; they get the same treatment here. */
export function useClientErrors(options: ErrorOptions): Plugin {
  return {
    onValidate: () => ({ valid, result, setResult }) => {
      if (!valid) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED', options)));
    },
  };
}

/** The HTTP status and headers Yoga gives a response carrying this error. */
function httpOf(error: NotifyError): { http?: { status?: number; headers?: Record<string, string> } } {
  if (error.code === 'UNAUTHENTICATED') return { http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } };
  if (error.code === 'RATE_LIMITED') return { http: { headers: { 'retry-after': String(retryAfterSecondsOf(error)) } } };
  return {};
}

/**
 * Yoga's mask sees an error but not the request it came from. Before masking, this notes each
 * error of an operation with that operation's logger, so the mask logs it with the request id.
 */
export function createRequestErrorLogs() {
  const loggers = new WeakMap<object, Logger>();
  const note = (errors: readonly unknown[] | undefined, log: Logger) => {
    for (const error of errors ?? []) if (typeof error === 'object' && error !== null) loggers.set(error, log);
  };
  const plugin: Plugin<Context> = {
    onExecute: ({ args }) => ({
      onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => note(result.errors, args.contextValue.log)),
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => note(result.errors, args.contextValue.log)),
      onSubscribeError: ({ error }) => note([error], args.contextValue.log),
    }),
  };
  return { plugin, loggerOf: (error: unknown): Logger | undefined => (typeof error === 'object' && error !== null ? loggers.get(error) : undefined) };
}

export function createMaskError(log: Logger, options: ErrorOptions, loggerOf: (error: unknown) => Logger | undefined = () => undefined) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof NotifyError) {
      return new GraphQLError(original.message, {
        ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
        extensions: { code: original.code, ...original.details, ...httpOf(original) },
      });
    }
    // Errors GraphQL itself raises (parse, validation, bad variables) are the client's, and safe;
    // the ones with no code yet are about the input (a variable of the wrong type, say).
    if (error instanceof GraphQLError && !error.originalError) return withCode(error, 'BAD_USER_INPUT', options);
    if (original instanceof GraphQLError && original !== error) return withCode(original, 'BAD_USER_INPUT', options);
    (loggerOf(error) ?? log).error({ err: original }, 'unexpected error in a resolver');
    return new GraphQLError(message, {
      ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

/**
 * Yoga logs every error it masked at error level, twice, including our coded client errors (a
 * missing token: two error lines per anonymous request, without its request id). The mask itself
 * logs the unexpected ones, with their cause and request id, so Yoga's copy of any error is
 * detail; and one of ours (a NotifyError Yoga saw unwrapped, such as a refused token) was
 * already logged where it was raised, if at all.
 */
export function yogaLogger(log: Logger) {
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => {
      if (args[0] instanceof NotifyError) return;
      if (args[0] instanceof Error) log.debug({ err: args[0] }, 'masked error');
      else log.error({ args }, 'yoga');
    },
  };
}
