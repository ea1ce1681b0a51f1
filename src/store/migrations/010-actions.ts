import type { Migration } from './migration.js';

/** Issue 17, actions: reserved so that parallel work keeps the version order; filled in by that work. */
export const actions: Migration = {
  version: 10,
  name: 'actions',
  statements: [],
};
