// `tsx api/src/testing/seedFixture.ts`: load the fixture atlas into the configured database (joining a running
// embedded one), for browser tests and for trying the web without running the demo.
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { loadFixtureAtlas } from './fixtureAtlas.js';

const db = await openDatabase(loadDbConfig());
try {
  const ids = await loadFixtureAtlas(db);
  console.log(JSON.stringify(ids));
} finally {
  await db.close();
}
