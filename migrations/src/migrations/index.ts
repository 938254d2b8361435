import { Init1732600000000 } from './1732600000000-Init.js';
import { JobLogs1732700000000 } from './1732700000000-JobLogs.js';
import { ExactFeatureTokens1733500000000 } from './1733500000000-ExactFeatureTokens.js';

/** Every migration, in order. */
export const migrations = [Init1732600000000, JobLogs1732700000000, ExactFeatureTokens1733500000000];
