// `tsx api/src/testing/seedEvaluationAtlas.ts`: load the evaluation atlas (evaluationAtlas.ts) into the configured
// database (joining a running embedded one), for browser tests; prints its dictionary ids.
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { loadEvaluationAtlas } from './evaluationAtlas.js';

const db = await openDatabase(loadDbConfig());
try {
  console.log(JSON.stringify(await loadEvaluationAtlas(db)));
} finally {
  await db.close();
}
