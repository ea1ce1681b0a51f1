import type { Migration } from './migration.js';

/** Issue 17, kinds: reserved so that parallel work keeps the version order; filled in by that work. */
export const kinds: Migration = {
  version: 9,
  name: 'kinds',
  statements: [],
};
