// Run a script of this repository against the atlas a running stack serves (joining its embedded database
// through ATLAS_DATA_DIR); its last stdout line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot, type Stack } from './stack.js';

export function runOnAtlas(stack: Stack, script: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ATLAS_DATA_DIR: stack.dataDir, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').at(-1)!;
}
