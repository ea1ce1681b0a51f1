/**
 * What every route of the HTTP API asks of a request before it sends anything: the media type it
 * takes, and the caller its bearer token names (auth/request-caller.ts, as GraphQL asks it).
 */
export { callerOfRequest as callerOf, type CallerCheck } from '../auth/request-caller.js';

/** The media type of a Content-Type header, without its parameters (charset, boundary). */
export const mediaTypeOf = (request: Request): string => (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
