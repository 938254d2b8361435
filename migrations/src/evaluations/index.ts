export * from './saveEvaluations.js';
export * from './saveFeatureLabelScores.js';
