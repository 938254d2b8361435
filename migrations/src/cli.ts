// `npm run migrate`: apply pending migrations to the configured database and exit.
import { loadDbConfig } from './config.js';
import { AtlasError } from './errors.js';
import { migrate, openDatabase, redactUrl } from './openDatabase.js';

try {
  const config = loadDbConfig();
  const db = await openDatabase(config, { migrate: false });
  const applied = await migrate(db.dataSource);
  console.log(
    applied.length
      ? `applied ${applied.join(', ')} to ${redactUrl(db.url)}`
      : `schema of ${redactUrl(db.url)} is up to date`,
  );
  await db.close();
} catch (err) {
  if (err instanceof AtlasError) {
    console.error(err.toLine());
    process.exit(2);
  }
  throw err;
}
