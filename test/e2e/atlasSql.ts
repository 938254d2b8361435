// `tsx test/e2e/atlasSql.ts "<sql>"`: one statement against the atlas a running `npm start` serves (found through
// ATLAS_DATA_DIR); prints the rows as JSON. Browser tests use it to add rows the fixture atlas lacks.
import { loadDbConfig, openDatabase } from '@atlas/migrations';

const db = await openDatabase(loadDbConfig());
try {
  console.log(JSON.stringify(await db.dataSource.query(process.argv[2])));
} finally {
  await db.close();
}
