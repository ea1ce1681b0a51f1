import type { Migration } from './migration.js';

/** Issue 17, digests: reserved so that parallel work keeps the version order; filled in by that work. */
export const digests: Migration = {
  version: 12,
  name: 'digests',
  statements: [],
};
