// Runs the feature-page load (featurePageLoad.ts) in a process of its own: in the bench's process it would share
// the event loop (and, on the embedded engine, the database) with the server it measures.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FeaturePageLoadOptions, FeaturePageLoadResult } from './featurePageLoad.js';

/** The load's results; with `seconds` 0 it runs until `stop` resolves. */
export async function runFeaturePageLoad(
  options: FeaturePageLoadOptions,
  stop?: Promise<unknown>,
): Promise<FeaturePageLoadResult> {
  const load = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./featurePageLoad.ts', import.meta.url)), JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  void stop?.then(() => load.stdin.write('stop\n'));
  let out = '';
  load.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => load.on('exit', resolve));
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(out) as FeaturePageLoadResult;
}
