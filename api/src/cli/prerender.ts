// `npm run prerender -w api -- [--dictionary <id>] [--operation FILE] [--concurrency N]`: render every feature page
// of the ready dictionaries (or one) into the database's stored answers, so the api answers any of them with one
// read instead of a GraphQL execution (docs/performance.md, "stored answers"). The operation is the web's
// FEATURE_PAGE (read from web/lib/feature-page-query.ts) unless --operation names a file holding another with
// variables $d (the dictionary) and $i (the feature index). Run it after an ingest or a re-analysis; an answer
// whose data changed since it was stored is simply not served (and is replaced by the next run).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AtlasError, openDatabase } from '@atlas/migrations';
import { pino } from 'pino';
import { loadApiConfig } from '../config.js';
import { featurePageOperation } from '../responseCache/featurePageOperation.js';
import { describeProgress, duration, prerender } from '../responseCache/prerender.js';
import { startApiServer } from '../server.js';

const USAGE = 'usage: npm run prerender -w api -- [--dictionary <id>] [--operation FILE] [--concurrency N]';

function* featureVariables(dictionaries: { id: number; n_latents: number }[]) {
  for (const d of dictionaries) for (let i = 0; i < d.n_latents; i++) yield { d: String(d.id), i };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { dictionary: { type: 'string' }, operation: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    console.error(
      `ARGUMENT_INVALID: --concurrency must be an integer from 1 to 64 (got ${values.concurrency}); ${USAGE}`,
    );
    return 2;
  }
  if (values.dictionary !== undefined && !/^[1-9][0-9]{0,9}$/.test(values.dictionary)) {
    console.error(
      `ARGUMENT_INVALID: --dictionary takes a dictionary's numeric id (got ${values.dictionary}); ${USAGE}`,
    );
    return 2;
  }
  let query: string;
  try {
    query = values.operation ? readFileSync(values.operation, 'utf8') : featurePageOperation();
  } catch (err) {
    console.error(`OPERATION_UNREADABLE: ${(err as Error).message}; pass --operation FILE. ${USAGE}`);
    return 2;
  }
  const config = loadApiConfig();
  const db = await openDatabase(config.db);
  const api = await startApiServer({
    dataSource: db.dataSource,
    log: pino({ level: 'warn' }),
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: config.maxBodyBytes,
    responseCacheBytes: 0, // every page rendered or read from the stored answers, none held in memory
    storedAnswers: 'store',
  });
  try {
    const wanted = values.dictionary;
    const dictionaries = (await db.dataSource.query(
      `SELECT id, n_latents FROM dictionaries WHERE status = 'ready' AND ($1::int IS NULL OR id = $1::int) ORDER BY id`,
      [wanted === undefined ? null : Number(wanted)],
    )) as { id: number; n_latents: number }[];
    if (wanted !== undefined && !dictionaries.length) {
      console.error(`NOT_FOUND: no ready dictionary with id ${wanted}; list them with the api's dictionaries query.`);
      return 2;
    }
    const dropped = await api.cache.stored.dropOtherBuilds();
    if (dropped) console.log(`prerender: dropped ${dropped} answers stored by another version of the api`);
    const total = dictionaries.reduce((n, d) => n + d.n_latents, 0);
    const started = performance.now();
    const result = await prerender({
      graphqlUrl: api.graphqlUrl,
      query,
      variables: featureVariables(dictionaries),
      total,
      concurrency,
      onProgress: (p) => console.log(`prerender: ${describeProgress(p)}`),
    });
    await api.cache.stored.flush();
    console.log(
      `prerender: ${result.rendered} rendered and stored, ${result.current} already current, ${result.failed} failed in ${duration((performance.now() - started) / 1000)}`,
    );
    if (result.firstFailure) console.error(`first failure: ${result.firstFailure}`);
    return result.failed ? 1 : 0;
  } finally {
    await api.stop();
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof AtlasError) {
    console.error(err.toLine());
    process.exitCode = 2;
  } else throw err;
}
