// `npm run api`: open (or join) the database, migrate, and serve GraphQL until stopped. With ATLAS_API_PROCESSES=N
// (and DATABASE_URL) the primary migrates once and forks N api processes sharing the port (node:cluster): one
// Node process serves about one core's worth of pages, so a bigger host needs several.
import cluster from 'node:cluster';
import { AtlasError, openDatabase } from '@atlas/migrations';
import { loadApiConfig, type ApiConfig } from './config.js';
import { createLogger } from './log.js';
import { startApiServer } from './server.js';
import { applyStatementTimeout } from './statementTimeout.js';

async function serve(config: ApiConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config.db);
  const statementTimeout = await applyStatementTimeout(db.dataSource, db.engine, config.statementTimeoutMs);
  const server = await startApiServer({
    dataSource: db.dataSource,
    log,
    host: config.host,
    port: config.port,
    maxBodyBytes: config.maxBodyBytes,
    publicReads: config.publicReads,
    requestTimeoutMs: config.requestTimeoutMs,
    steerSlots: config.steerSlots,
    responseCacheBytes: config.responseCacheBytes,
    featurePartsBytes: config.responseCacheBytes === 0 ? 0 : undefined, // ATLAS_API_CACHE_MB=0: no caching at all
    cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
    corsOrigins: config.corsOrigins,
  });
  const who = cluster.isWorker ? ` (process ${cluster.worker!.id} of ${config.processes})` : '';
  console.log(
    `api: GraphQL at ${server.graphqlUrl}${who} (database: ${db.engine}; request timeout ${config.requestTimeoutMs || 'off'} ms, statement_timeout ${statementTimeout === 'set' ? `${config.statementTimeoutMs} ms` : statementTimeout})`,
  );
  const shutdown = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Started by `npm start` or a cluster primary (an IPC channel): stop with it, even when it was killed.
  if (process.send) process.once('disconnect', shutdown);
}

/** The primary of N api processes: migrate once, fork, replace a process that dies, stop them all on a signal. */
async function supervise(config: ApiConfig): Promise<void> {
  const db = await openDatabase(config.db); // migrates, so the forks find the schema current
  await db.close();
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (code === 2) {
      // A start-up refusal (port in use, bad configuration) would repeat in every replacement: stop.
      stop();
      process.exitCode = 2;
      return;
    }
    console.error(`api process ${worker.id} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 1000); // not in a tight loop if every start fails
  });
  for (let i = 0; i < config.processes; i++) fork();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

try {
  const config = loadApiConfig();
  if (config.processes > 1 && cluster.isPrimary) await supervise(config);
  else await serve(config);
} catch (err) {
  if (err instanceof AtlasError) {
    console.error(err.toLine());
    process.exit(2);
  }
  if ((err as { code?: string }).code === 'PORT_IN_USE') {
    console.error(`PORT_IN_USE: ${(err as Error).message}`);
    process.exit(2);
  }
  throw err;
}
