import { Init1732600000000 } from './1732600000000-Init.js';
import { JobLogs1732700000000 } from './1732700000000-JobLogs.js';
import { Workers1733100000000 } from './1733100000000-Workers.js';
import { DictionaryContentAndClaims1733200000000 } from './1733200000000-DictionaryContentAndClaims.js';
import { ExactFeatureTokens1733500000000 } from './1733500000000-ExactFeatureTokens.js';
import { Evaluations1733600000000 } from './1733600000000-Evaluations.js';
import { EvaluateJobs1733700000000 } from './1733700000000-EvaluateJobs.js';
import { AttributionGraphs1733800000000 } from './1733800000000-AttributionGraphs.js';
import { ReadVersions1733900000000 } from './1733900000000-ReadVersions.js';
import { FeatureLists1734100000000 } from './1734100000000-FeatureLists.js';
import { StoredAnswers1734200000000 } from './1734200000000-StoredAnswers.js';

/** Every migration, in order. */
export const migrations = [
  Init1732600000000,
  JobLogs1732700000000,
  Workers1733100000000,
  DictionaryContentAndClaims1733200000000,
  ExactFeatureTokens1733500000000,
  Evaluations1733600000000,
  EvaluateJobs1733700000000,
  AttributionGraphs1733800000000,
  ReadVersions1733900000000,
  FeatureLists1734100000000,
  StoredAnswers1734200000000,
];
