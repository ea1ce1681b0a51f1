/**
 * Errors the service means to show its clients, each with a stable code. Anything else that
 * escapes is internal and is masked before it reaches a client.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'USER_NOT_FOUND',
  'NOTIFICATION_NOT_FOUND',
  'ACTION_ALREADY_PRESSED',
  'FORBIDDEN',
  'KAFKA_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'UNAUTHENTICATED',
  'RATE_LIMITED',
  'TOO_MANY_SUBSCRIPTIONS',
  'TOO_MANY_CONNECTIONS',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class NotifyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, client-safe facts, e.g. which argument was wrong. */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** What a client is told of one failed item of a batch, over GraphQL and the HTTP API alike. */
export const describeError = (error: NotifyError): { code: ErrorCode; message: string; field: string | null } => ({
  code: error.code,
  message: error.message,
  field: typeof error.details.field === 'string' ? error.details.field : null,
});

/** How long a RATE_LIMITED caller should wait: what the limiter said, else a second. */
export const retryAfterSecondsOf = (error: NotifyError): number =>
  typeof error.details.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : 1;

export const badInput = (message: string, field?: string) =>
  new NotifyError('BAD_USER_INPUT', message, field ? { field } : {});

export const storeUnavailable = () =>
  new NotifyError('STORE_UNAVAILABLE', 'the store is unavailable for the moment: retry shortly (with the same idempotencyKey for sends)');

/**
 * The store refused these rows for what they hold (a value PostgreSQL cannot take): no retry
 * will ever store them. The consumer dead-letters them; the store's message says why.
 */
export class StoreRefused extends Error {
  constructor(
    message: string,
    /** The store's own error code (a SQLSTATE such as 22P02). */
    readonly code: string,
  ) {
    super(message);
    this.name = 'StoreRefused';
  }
}
