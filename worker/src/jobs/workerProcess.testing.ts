// `worker work` in child processes against a test database, for the kill-and-resume tests of every job type:
// start a worker, SIGKILL it once the job shows it is running, let its lease lapse, and finish with a new worker.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@atlas/migrations/testing';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/** A job row as the tests watch it. */
export interface WatchedJob {
  state: string;
  attempts: number;
  progress: { fraction: number; unit?: string; message?: string };
  checkpoint: Record<string, unknown> | null;
  error: string | null;
}

/** Where a worker of this test database keeps its files: the embedded database's folder, or a new one. */
export function workerDataDir(db: TestDatabase): string {
  return db.dataDir ?? mkdtempSync(join(tmpdir(), 'atlas-worker-'));
}

/** A running `worker work` and what it has written to stderr so far. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
}

/**
 * `worker work` on `db` (embedded: joined through its data folder; TEST_DATABASE_URL: by URL). `env` overrides the
 * defaults, e.g. a longer ATLAS_JOB_LEASE_MS where several workers run at once: a job whose lease lapses between
 * two progress reports (a slow model load on a busy machine) is taken over by an idle worker.
 */
export function startWorker(
  db: TestDatabase,
  dataDir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'work', ...args], {
    env: {
      ...process.env,
      DATABASE_URL: db.dataDir ? '' : db.url,
      ATLAS_DATA_DIR: db.dataDir ?? dataDir,
      ATLAS_JOB_LEASE_MS: '1500',
      ATLAS_WORKER_POLL_MS: '100',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return { child, stderr: () => stderr };
}

/** Exit code of a worker (null when killed by a signal). */
export function exited({ child }: WorkerProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function readJob(db: TestDatabase, id: number): Promise<WatchedJob> {
  const [row] = (await db.dataSource.query(
    `SELECT state, attempts, progress, checkpoint, error FROM jobs WHERE id = $1`,
    [id],
  )) as WatchedJob[];
  return row;
}

/** Poll the job every 25 ms until `ready(row)`; fails with the last row seen after `timeoutMs`. */
export async function waitForJob(
  db: TestDatabase,
  id: number,
  ready: (job: WatchedJob) => boolean,
  timeoutMs = 120_000,
): Promise<WatchedJob> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await readJob(db, id);
    if (ready(job)) return job;
    if (Date.now() > until) assert.fail(`job ${id} never got there: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Run job `id` with a worker that is SIGKILLed as soon as `midJob(row)` holds, then with a second worker until
 * the queue is empty. Returns the row as the kill left it; asserts the second worker exited cleanly.
 */
export async function killMidJobThenResume(
  db: TestDatabase,
  dataDir: string,
  id: number,
  midJob: (job: WatchedJob) => boolean,
): Promise<WatchedJob> {
  const first = startWorker(db, dataDir);
  const atKill = await waitForJob(db, id, (j) => j.state !== 'queued' && (midJob(j) || j.state !== 'running'));
  first.child.kill('SIGKILL');
  await exited(first);
  assert.equal(atKill.state, 'running', `the job ended before the kill: ${JSON.stringify(atKill)}`);
  // The dead worker's lease must lapse before anyone may take the job over.
  const lapsed = async () =>
    (
      (await db.dataSource.query(`SELECT locked_until < now() AS lapsed FROM jobs WHERE id = $1`, [id])) as {
        lapsed: boolean;
      }[]
    )[0].lapsed;
  while (!(await lapsed())) await new Promise((r) => setTimeout(r, 100));
  await runWorkerOnce(db, dataDir);
  return atKill;
}

/** A worker that takes jobs until none is waiting; asserts it exited cleanly. */
export async function runWorkerOnce(db: TestDatabase, dataDir: string): Promise<void> {
  const worker = startWorker(db, dataDir, ['--once']);
  const code = await exited(worker);
  assert.equal(code, 0, worker.stderr());
}

/** A job's log lines, oldest first. */
export async function jobLog(db: TestDatabase, id: number): Promise<string[]> {
  const rows = (await db.dataSource.query(`SELECT message FROM job_logs WHERE job_id = $1 ORDER BY id`, [id])) as {
    message: string;
  }[];
  return rows.map((r) => r.message);
}
