/** Imports every type file (they register on the builder), then builds the schema once. */
import { builder } from './builder.js';
import './scalars.js';
import './user.js';
import './notification.js';
import './send.js';
import './inbox.js';
import './feed.js';
import './actions.js';
import './topics.js';
import './stats.js';
import './stats-live.js';
import './preferences.js';
import './kinds.js';

export const schema = builder.toSchema();
