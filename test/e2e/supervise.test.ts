// `npm start` runs a worker by default and keeps its children alive: a job queued through the api runs to the end,
// a killed worker is started again (and the restart printed), and a second `npm start` on the same ports says so
// in one line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runOnAtlas } from './runOnAtlas.js';
import { repoRoot, startStack, type Stack } from './stack.js';

let stack: Stack;
let dictionaryId: number;
let apiKey: string;

// any: GraphQL answers of several shapes
async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; npm start said:\n${stack.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Queue an export through the api and wait for the job to end; its final state. */
async function exportThroughApi(out: string): Promise<string> {
  const { exportDictionary } = await gql(
    'mutation ($d: ID!, $out: String!) { exportDictionary(input: { dictionaryId: $d, out: $out }) { id state } }',
    { d: String(dictionaryId), out },
  );
  assert.equal(exportDictionary.state, 'queued');
  return until(`export job ${exportDictionary.id} to end`, async () => {
    const { job } = await gql('query ($id: ID!) { job(id: $id) { state error } }', { id: exportDictionary.id });
    return ['succeeded', 'failed', 'cancelled'].includes(job.state)
      ? `${job.state}${job.error ? `: ${job.error}` : ''}`
      : undefined;
  });
}

before(async () => {
  stack = await startStack();
  dictionaryId = JSON.parse(runOnAtlas(stack, 'api/src/testing/seedFixture.ts')).narrow;
  apiKey = runOnAtlas(stack, 'api/src/cli/apiKey.ts', 'create', '--name', 'e2e');
});

after(async () => {
  await stack?.stop();
});

test('npm start runs one worker by default, and a job queued through the api runs to completion', async () => {
  assert.match(stack.output(), /workers: 1 taking jobs from the queue \(ATLAS_WORKERS=1\)/);
  const { workers } = await until('a worker heartbeat', async () => {
    const data = await gql('{ workers { id pid alive } }');
    return data.workers.length ? data : undefined;
  });
  assert.equal(workers.length, 1);
  assert.equal(workers[0].alive, true);
  const out = join(stack.dataDir, 'export-1');
  assert.equal(await exportThroughApi(out), 'succeeded');
  assert.ok(existsSync(join(out, 'dictionary.json')), `the export wrote no ${out}/dictionary.json`);
  rmSync(out, { recursive: true, force: true });
});

test('a killed worker is restarted, the restart is printed, and the new worker takes jobs', async () => {
  const { workers } = await gql('{ workers { pid } }');
  const [{ pid }] = workers as { pid: number }[];
  process.kill(pid, 'SIGKILL');
  await until('the restart line', async () =>
    /worker 1 exited \(SIGKILL\); restarting it in 1 s \(restart 1\)/.test(stack.output()) ? true : undefined,
  );
  const fresh = await until('a new worker', async () => {
    const data = await gql('{ workers { pid alive } }');
    return (data.workers as { pid: number; alive: boolean }[]).find((w) => w.pid !== pid && w.alive);
  });
  assert.notEqual(fresh.pid, pid);
  assert.equal(await exportThroughApi(join(stack.dataDir, 'export-2')), 'succeeded');
});

test('a second npm start on the same ports prints only its PORT_IN_USE line', async () => {
  // Not spawnSync: a blocked event loop would keep the api's keep-alive sockets of this test open past their close.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: stack.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const second = { stdout: '', stderr: '', status: null as number | null };
  child.stdout.setEncoding('utf8').on('data', (s: string) => (second.stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (second.stderr += s));
  second.status = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  assert.equal(second.status, 2, second.stdout + second.stderr);
  const lines = second.stderr.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 1, second.stderr);
  assert.match(
    lines[0],
    /^PORT_IN_USE: port 127\.0\.0\.1:\d+ for the api is already in use; set ATLAS_API_PORT to a free port/,
  );
});

test('when npm start is killed outright (SIGKILL), its api and workers stop too', async () => {
  const { workers } = await gql('{ workers { pid alive } }');
  const pids = (workers as { pid: number; alive: boolean }[]).filter((w) => w.alive).map((w) => w.pid);
  assert.ok(pids.length >= 1);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(stack.pid, 'SIGKILL');
  await until('the workers to exit', async () => (pids.some(alive) ? undefined : true), 60_000);
  await until(
    'the api to stop answering',
    async () => {
      try {
        await fetch(stack.graphqlUrl.replace('/graphql', '/healthz'));
        return undefined;
      } catch {
        return true;
      }
    },
    60_000,
  );
});
