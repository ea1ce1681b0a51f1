/**
 * One versioned schema change. Plain SQL, one statement per string (PGlite's `query` takes a single
 * statement), and only SQL that PostgreSQL and PGlite both run: the same text serves both.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}
