// Starts the whole atlas the way a user does (`npm start`), on a fresh data folder and free ports.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Stack {
  webUrl: string;
  dataDir: string;
  graphqlUrl: string;
  /** Process id of `npm start` itself (its children run in its process group). */
  pid: number;
  /** The environment `npm start` ran with (data folder, ports), e.g. to start a second one beside it. */
  env: NodeJS.ProcessEnv;
  output: () => string;
  stop(): Promise<void>;
}

/** A GraphQL request to the stack's api; its data, or a failed assertion showing the errors. */
export async function queryStack<T>(stack: Stack, q: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: q, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  assert.ok(body.data, JSON.stringify(body.errors));
  return body.data;
}

/** `npm start` on a fresh data folder and free ports; `overrides` adds settings (e.g. ATLAS_WORKERS). */
export async function startStack(timeoutMs = 240_000, overrides: Record<string, string> = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'atlas-e2e-'));
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATLAS_DATA_DIR: dataDir,
    ATLAS_DB_PORT: '0',
    ATLAS_API_PORT: String(apiPort),
    ATLAS_WEB_PORT: String(webPort),
    LOG_LEVEL: 'warn',
    ATLAS_DEMO: 'off', // the demo trains for minutes; tests load fixtures instead
    ...overrides,
  };
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() also ends the web server it spawned
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start was not up within ${timeoutMs / 1000} s:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      if (out.includes('atlas is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${out}`));
    });
  });
  return {
    webUrl: `http://127.0.0.1:${webPort}`,
    dataDir,
    graphqlUrl: `http://127.0.0.1:${apiPort}/graphql`,
    pid: child.pid!,
    env,
    output: () => out,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* stopped cleanly */
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
