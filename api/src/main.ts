// `npm run api`: open (or join) the database, migrate, and serve GraphQL until stopped.
import { AtlasError, openDatabase } from '@atlas/migrations';
import { loadApiConfig } from './config.js';
import { createLogger } from './log.js';
import { startApiServer } from './server.js';
import { applyStatementTimeout } from './statementTimeout.js';

try {
  const config = loadApiConfig();
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
  });
  console.log(
    `api: GraphQL at ${server.graphqlUrl} (database: ${db.engine}; request timeout ${config.requestTimeoutMs || 'off'} ms, statement_timeout ${statementTimeout === 'set' ? `${config.statementTimeoutMs} ms` : statementTimeout})`,
  );
  const shutdown = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
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
