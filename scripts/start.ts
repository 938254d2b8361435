// `npm start`: the whole atlas on one machine. Opens the database (embedded PGlite unless DATABASE_URL is set),
// migrates, and supervises its children: the api, the web atlas (built first if its sources changed) and
// ATLAS_WORKERS workers; a child that dies is started again, and the restart is printed.
//
// The embedded database stays in this process, which does nothing else, so it outlives any child. The api is a
// child like the others (it joins the database through the lock file, as `npm run api` does): a crash of the api
// then costs a restart of the api, not the database under the web and the workers. It talks to the database over
// the same TCP wire protocol either way, so being a child costs nothing per request.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiEnv, loadApiConfig } from '@atlas/api';
import { AtlasError, describeIssues, openDatabase, redactUrl } from '@atlas/migrations';
import { WorkerEnv } from '@atlas/worker';
import { z } from 'zod';
import { WebEnv } from '../web/lib/config.js';
import { runDemo } from './demo.js';
import { SupervisedChild } from './supervisedChild.js';
import { buildWeb, nextBin, webBuildIsStale, webDir } from './webBuild.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The supervised children (api, web, workers), also ended when start-up fails half-way. */
const children: SupervisedChild[] = [];

// The web's own settings are read by the web server; checked here too, so a bad one stops start-up, not each page.
const StartEnv = ApiEnv.merge(WorkerEnv)
  .merge(WebEnv.pick({ ATLAS_WEB_PAGE_CACHE_MB: true }))
  .extend({
    /** Build the demo atlas (tiny LM on Brown, two dictionaries) when the atlas is empty. */
    ATLAS_DEMO: z.enum(['on', 'off']).default('on'),
    ATLAS_DEMO_TOKENS: z.coerce.number().int().min(1000).default(400_000),
    ATLAS_DEMO_ANALYZE_TOKENS: z.coerce.number().int().min(1000).default(200_000),
    /** With the demo: transcoders and attribution graphs of the four-layer model (a few more minutes). */
    ATLAS_DEMO_CIRCUITS: z.enum(['on', 'off']).default('on'),
    ATLAS_WEB_HOST: z.string().min(1).default('127.0.0.1'),
    ATLAS_WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** `worker work` processes to run beside the api (0: none; jobs then wait for a worker started by hand). */
    ATLAS_WORKERS: z.coerce.number().int().min(0).max(16).default(1),
  });

/** A free port, for ATLAS_API_PORT=0: the api must keep one port across restarts, since the web is told it. */
async function pickFreePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Refuse a port another program holds, before a child is started on it: the supervisor would otherwise take that
 * program's answers for its child's and restart the child forever.
 */
async function assertPortFree(host: string, port: number, what: string, variable: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    throw Object.assign(
      new Error(
        `port ${host}:${port} for ${what} is already in use; set ${variable} to a free port (0 picks one), or stop the program using it.`,
      ),
      { code: 'PORT_IN_USE' },
    );
  });
}

/** Wait until `url` answers below 500. A child that dies meanwhile is restarted by its supervisor. */
async function waitForHttp(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the ${what} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const parsed = StartEnv.safeParse(process.env);
  if (!parsed.success) throw new AtlasError('CONFIG_INVALID', describeIssues(parsed.error, process.env));
  const config = loadApiConfig();
  const t0 = Date.now();
  const { ATLAS_WEB_HOST: webHost, ATLAS_WEB_PORT: webPort, ATLAS_WORKERS: workers } = parsed.data;
  const apiPort = config.port === 0 ? await pickFreePort(config.host) : config.port;
  await assertPortFree(config.host, apiPort, 'the api', 'ATLAS_API_PORT');
  await assertPortFree(webHost, webPort, 'the web atlas', 'ATLAS_WEB_PORT');

  console.log(
    config.db.databaseUrl
      ? `database: ${redactUrl(config.db.databaseUrl)}`
      : `database: embedded PGlite in ${config.db.embeddedDir}`,
  );
  const db = await openDatabase(config.db);
  if (db.embedded) console.log(`database: serving PostgreSQL protocol at ${redactUrl(db.url)} (migrated)`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.retire();
    // Workers first (they hand their jobs back through the database), then the web and the api, then the database.
    await Promise.all(children.filter((c) => c.name.startsWith('worker')).map((c) => c.stop()));
    await Promise.all(children.map((c) => c.stop()));
    await db.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  // A child that refused to start (port in use, bad configuration) printed its one line; stop with its code.
  const refused = (code: number) => void stop(code);
  /** `web`: Next.js, whose output is not ours and which gets no IPC channel (it is not our code to watch one). */
  const supervise = (name: string, args: string[], env: NodeJS.ProcessEnv, web = false) => {
    const child = new SupervisedChild(
      // The IPC channel closes when this process dies, however (even SIGKILL): the api and workers then stop too.
      {
        name,
        args,
        cwd: web ? webDir : root,
        env,
        stdio: web ? ['ignore', 'ignore', 'inherit'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      },
      refused,
    );
    children.push(child);
    child.start();
    return child;
  };
  // Children join this database: the embedded one through its lock file in ATLAS_DATA_DIR, or DATABASE_URL.
  const childEnv = { ...process.env, ATLAS_DATA_DIR: config.db.dataDir, DATABASE_URL: config.db.databaseUrl ?? '' };

  const api = supervise('api', ['--import', 'tsx', join(root, 'api', 'src', 'main.ts')], {
    ...childEnv,
    ATLAS_API_PORT: String(apiPort),
  });
  const graphqlUrl = `http://${config.host}:${apiPort}/graphql`;
  await waitForHttp(`http://${config.host}:${apiPort}/healthz`, 'api', 120_000);
  api.markUp();

  const webEnv = { ...childEnv, ATLAS_API_URL: graphqlUrl, NEXT_TELEMETRY_DISABLED: '1' };
  if (webBuildIsStale()) {
    console.log('web: building the atlas (first start or changed sources; about a minute)…');
    await buildWeb(webEnv);
  }
  const web = supervise('web', [nextBin, 'start', '-H', webHost, '-p', String(webPort)], webEnv, true);
  const webUrl = `http://${webHost}:${webPort}`;
  await waitForHttp(webUrl, 'web server', 60_000);
  web.markUp();
  console.log(`web: atlas at ${webUrl}`);

  for (let i = 1; i <= workers; i++)
    // Never "refused": a worker that cannot start yet (database busy) is retried with backoff like any death.
    supervise(
      `worker ${i}`,
      ['--import', 'tsx', join(root, 'worker', 'src', 'cli', 'main.ts'), 'work'],
      childEnv,
    ).markUp();
  console.log(
    workers > 0
      ? `workers: ${workers} taking jobs from the queue (ATLAS_WORKERS=${workers})`
      : 'workers: none (ATLAS_WORKERS=0); queued jobs wait until you run `npm run worker -- work`',
  );
  console.log(`atlas is up in ${((Date.now() - t0) / 1000).toFixed(1)} s: open ${webUrl} (Ctrl-C stops it)`);
  if (parsed.data.ATLAS_DEMO === 'on')
    runDemo({
      root,
      dataDir: config.db.dataDir,
      tokens: parsed.data.ATLAS_DEMO_TOKENS,
      analyzeTokens: parsed.data.ATLAS_DEMO_ANALYZE_TOKENS,
      circuits: parsed.data.ATLAS_DEMO_CIRCUITS === 'on',
      env: { ...process.env, DATABASE_URL: config.db.databaseUrl ?? '', ATLAS_DATA_DIR: config.db.dataDir },
      dataSource: db.dataSource,
    }).then(
      (outcome) =>
        console.log(
          outcome === 'built'
            ? `demo: ready; browse it at ${webUrl} (${((Date.now() - t0) / 1000).toFixed(0)} s since start)`
            : `demo: ${outcome}`,
        ),
      (err: Error) =>
        console.error(`demo stopped: ${err.message}; the atlas keeps running, and the next start resumes it`),
    );
}

main().catch((err: unknown) => {
  for (const child of children) child.process?.kill('SIGTERM');
  if (err instanceof AtlasError) console.error(err.toLine());
  else if ((err as { code?: string }).code === 'PORT_IN_USE') console.error(`PORT_IN_USE: ${(err as Error).message}`);
  else console.error(`start failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(2);
});
