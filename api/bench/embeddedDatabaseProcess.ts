// The embedded database in a process of its own for `npm run bench:api -- --db-process`: opens (or migrates) the
// data folder given as argument, prints `ready`, and serves until its stdin closes. Other processes join it
// through the lock file beside the folder, as `npm start`'s api and worker do.
import { loadDbConfig, openDatabase } from '@atlas/migrations';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: embeddedDatabaseProcess.ts <ATLAS_DATA_DIR>');
const db = await openDatabase(loadDbConfig({ ATLAS_DATA_DIR: dataDir, ATLAS_DB_PORT: '0' }));
console.log('ready');
process.stdin.resume();
process.stdin.on('end', () => void db.close().then(() => process.exit(0)));
