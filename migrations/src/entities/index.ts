import { ApiKey } from './apiKey.entity.js';
import { Corpus } from './corpus.entity.js';
import { Dictionary } from './dictionary.entity.js';
import { Document } from './document.entity.js';
import { DocumentTokens } from './documentTokens.entity.js';
import { Evaluation } from './evaluation.entity.js';
import { Explanation } from './explanation.entity.js';
import { Feature } from './feature.entity.js';
import { FeatureExample } from './featureExample.entity.js';
import { FeatureBestLabelScore, FeatureLabelScore } from './featureLabelScore.entity.js';
import { FeatureLink } from './featureLink.entity.js';
import { FeatureList, FeatureListItem } from './featureList.entity.js';
import { FeatureToken } from './featureToken.entity.js';
import { Graph, GraphEdgeRow, GraphNodeRow } from './graph.entity.js';
import { Job } from './job.entity.js';
import { JobLog } from './jobLog.entity.js';
import { Model } from './model.entity.js';

export * from './apiKey.entity.js';
export * from './corpus.entity.js';
export * from './dictionary.entity.js';
export * from './document.entity.js';
export * from './documentTokens.entity.js';
export * from './evaluation.entity.js';
export * from './explanation.entity.js';
export * from './feature.entity.js';
export * from './featureExample.entity.js';
export * from './featureLabelScore.entity.js';
export * from './featureLink.entity.js';
export * from './featureList.entity.js';
export * from './featureToken.entity.js';
export * from './graph.entity.js';
export * from './job.entity.js';
export * from './jobLog.entity.js';
export * from './model.entity.js';

/** Every entity of the one schema. */
export const entities = [
  Model,
  Corpus,
  Document,
  DocumentTokens,
  Dictionary,
  Feature,
  FeatureExample,
  FeatureToken,
  FeatureLink,
  Explanation,
  Evaluation,
  FeatureLabelScore,
  FeatureBestLabelScore,
  Graph,
  GraphNodeRow,
  GraphEdgeRow,
  Job,
  JobLog,
  ApiKey,
  FeatureList,
  FeatureListItem,
];
