import type { Migration } from './migration.js';
import { init } from './001-init.js';
import { inboxCounts } from './002-inbox-counts.js';
import { topicSubscriptions } from './003-topic-subscriptions.js';
import { seen } from './004-seen.js';
import { activityOutbox } from './005-activity-outbox.js';
import { stats } from './006-stats.js';
import { snooze } from './007-snooze.js';
import { preferences } from './008-preferences.js';
import { kinds } from './009-kinds.js';
import { actions } from './010-actions.js';
import { groups } from './011-groups.js';
import { digests } from './012-digests.js';
import { workspaces } from './013-workspaces.js';

/** In version order; a released migration is never edited, a change is a new one. */
export const migrations: readonly Migration[] = [
  init,
  inboxCounts,
  topicSubscriptions,
  seen,
  activityOutbox,
  stats,
  snooze,
  preferences,
  kinds,
  actions,
  groups,
  digests,
  workspaces,
];
