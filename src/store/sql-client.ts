/**
 * The one thing the store needs from a database driver, so the same SQL runs on `pg` and PGlite.
 *
 * Contract both implementations keep: `$1…` positional parameters, one statement per `query`,
 * rows as plain objects, int8 (bigint) as a JS number (seq values and counts stay far below 2^53),
 * timestamptz as `Date`, json/jsonb parsed.
 */
export interface SqlQuery {
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface SqlClient extends SqlQuery {
  /** Runs `fn` on one connection between BEGIN and COMMIT; rolls back and rethrows when it throws. */
  transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
