import type { Migration } from './migration.js';

/** Issue 17, groups: reserved so that parallel work keeps the version order; filled in by that work. */
export const groups: Migration = {
  version: 11,
  name: 'groups',
  statements: [],
};
