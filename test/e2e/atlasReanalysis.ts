// `tsx test/e2e/atlasReanalysis.ts <dictionaryId> <suffix>`: re-stage a dictionary of the atlas a running `npm
// start` serves with every label suffixed, and swap it in (a re-analysis as the database sees it), from a process
// of its own.
import pg from 'pg';
import { loadDbConfig, openDatabase } from '@atlas/migrations';
import { restageDictionary } from '../../api/src/testing/restageDictionary.js';

const id = Number(process.argv[2]);
const db = await openDatabase(loadDbConfig());
const pool = new pg.Pool({ connectionString: db.url, max: 1 });
const client = await pool.connect();
try {
  const [{ d_in: dIn }] = (await db.dataSource.query(`SELECT d_in FROM dictionaries WHERE id = $1`, [id])) as {
    d_in: number;
  }[];
  await restageDictionary(client, id, dIn, process.argv[3]);
  console.log('ok');
} finally {
  client.release();
  await pool.end();
  await db.close();
}
