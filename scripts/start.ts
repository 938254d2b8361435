// `npm start`: the whole atlas on one machine. Opens the database (embedded PGlite unless DATABASE_URL is set),
// migrates, serves the api, builds the web atlas if its sources changed, serves it, and prints the URLs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiEnv, applyStatementTimeout, createLogger, loadApiConfig, startApiServer } from '@atlas/api';
import { AtlasError, describeIssues, openDatabase, redactUrl } from '@atlas/migrations';
import { z } from 'zod';
import { runDemo } from './demo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(root, 'web');

const StartEnv = ApiEnv.extend({
  /** Build the demo atlas (tiny LM on Brown, two dictionaries) when the atlas is empty. */
  ATLAS_DEMO: z.enum(['on', 'off']).default('on'),
  ATLAS_DEMO_TOKENS: z.coerce.number().int().min(1000).default(400_000),
  ATLAS_DEMO_ANALYZE_TOKENS: z.coerce.number().int().min(1000).default(200_000),
  ATLAS_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  ATLAS_WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** The web needs a (re)build when there is none or any of its sources is newer. */
function webBuildIsStale(): boolean {
  const buildId = join(webDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = ['app', 'components', 'lib', 'next.config.ts', 'package.json']
    .map((p) => join(webDir, p))
    .filter(existsSync);
  return sources.some((p) => newestMtime(p) > built);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, inherit: boolean): ChildProcess {
  return spawn(cmd, args, { cwd: webDir, env, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'inherit'] });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the web server did not answer at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const parsed = StartEnv.safeParse(process.env);
  if (!parsed.success) throw new AtlasError('CONFIG_INVALID', describeIssues(parsed.error, process.env));
  const config = loadApiConfig();
  const log = createLogger(config.logLevel);
  const t0 = Date.now();

  console.log(
    config.db.databaseUrl
      ? `database: ${redactUrl(config.db.databaseUrl)}`
      : `database: embedded PGlite in ${config.db.embeddedDir}`,
  );
  const db = await openDatabase(config.db);
  if (db.embedded) console.log(`database: serving PostgreSQL protocol at ${redactUrl(db.url)} (migrated)`);

  const api = await startApiServer({
    dataSource: db.dataSource,
    log,
    host: config.host,
    port: config.port,
    maxBodyBytes: config.maxBodyBytes,
    publicReads: config.publicReads,
    requestTimeoutMs: config.requestTimeoutMs,
    corsOrigins: config.corsOrigins,
  });
  const statementTimeout = await applyStatementTimeout(db.dataSource, db.engine, config.statementTimeoutMs);
  console.log(`api: GraphQL at ${api.graphqlUrl} (statement_timeout: ${statementTimeout})`);

  const webEnv = { ...process.env, ATLAS_API_URL: api.graphqlUrl, NEXT_TELEMETRY_DISABLED: '1' };
  const nextBin = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  if (webBuildIsStale()) {
    console.log('web: building the atlas (first start or changed sources; about a minute)…');
    const build = run(process.execPath, [nextBin, 'build'], webEnv, true);
    const code: number = await new Promise((r) => build.on('exit', (c) => r(c ?? 1)));
    if (code !== 0) throw new Error(`next build failed with code ${code}; see its output above`);
  }
  const { ATLAS_WEB_HOST: webHost, ATLAS_WEB_PORT: webPort } = parsed.data;
  const web = run(process.execPath, [nextBin, 'start', '-H', webHost, '-p', String(webPort)], webEnv, false);
  web.stdout?.resume();
  const webUrl = `http://${webHost}:${webPort}`;
  await waitForHttp(webUrl, web, 60_000);
  console.log(`web: atlas at ${webUrl}`);
  console.log(`atlas is up in ${((Date.now() - t0) / 1000).toFixed(1)} s: open ${webUrl} (Ctrl-C stops it)`);
  if (parsed.data.ATLAS_DEMO === 'on') {
    const [{ n }] = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM dictionaries WHERE weights_path IS NULL OR weights_path NOT LIKE '%/demo/%'`,
    )) as { n: number }[];
    if (n === 0)
      runDemo({
        root,
        dataDir: config.db.dataDir,
        tokens: parsed.data.ATLAS_DEMO_TOKENS,
        analyzeTokens: parsed.data.ATLAS_DEMO_ANALYZE_TOKENS,
        env: { ...process.env, DATABASE_URL: config.db.databaseUrl ?? '', ATLAS_DATA_DIR: config.db.dataDir },
        dataSource: db.dataSource,
      }).then(
        () =>
          console.log(`demo: ready; browse it at ${webUrl} (${((Date.now() - t0) / 1000).toFixed(0)} s since start)`),
        (err: Error) =>
          console.error(`demo stopped: ${err.message}; the atlas keeps running, and the next start resumes it`),
      );
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    web.kill('SIGTERM');
    await api.stop();
    await db.close();
    process.exit(code);
  };
  web.on('exit', (c) => {
    if (!stopping) {
      console.error(`web server exited (code ${c}); stopping`);
      void stop(1);
    }
  });
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}

main().catch((err: unknown) => {
  if (err instanceof AtlasError) console.error(err.toLine());
  else if ((err as { code?: string }).code === 'PORT_IN_USE') console.error(`PORT_IN_USE: ${(err as Error).message}`);
  else console.error(`start failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(2);
});
