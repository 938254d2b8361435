// `tsx api/src/testing/seedLabelAtlas.ts`: load the label atlas (labelAtlas.ts) into the configured database
// (joining a running embedded one), for browser tests; prints its dictionary id.
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { loadLabelAtlas } from './labelAtlas.js';

const db = await openDatabase(loadDbConfig());
try {
  console.log(JSON.stringify((await loadLabelAtlas(db)).dictionaryId));
} finally {
  await db.close();
}
