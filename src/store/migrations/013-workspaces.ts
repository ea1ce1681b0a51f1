import type { Migration } from './migration.js';

/** Issue 17, workspaces: reserved so that parallel work keeps the version order; filled in by that work. */
export const workspaces: Migration = {
  version: 13,
  name: 'workspaces',
  statements: [],
};
