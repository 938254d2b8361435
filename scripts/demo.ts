// The demo behind `npm start`: on an empty atlas, extract the built-in tiny LM's MLP activations on Brown,
// train two TopK dictionaries (4x and 16x the MLP width), analyse and ingest them. Every step is one of the
// worker's own commands, run as a child with its progress on stderr; a step whose output exists is skipped, and
// interrupted steps resume (extraction and training checkpoints), so a second start is quick.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';

export interface DemoOptions {
  root: string;
  dataDir: string;
  /** Tokens of Brown to extract and train on (the first documents in corpus order). */
  tokens: number;
  /** Tokens the analysis pass reads. */
  analyzeTokens: number;
  env: NodeJS.ProcessEnv;
  dataSource: DataSource;
}

const HOOK = 'blocks.0.mlp.hook_post';
const D_MLP = 512; // the built-in model's MLP width (worker/models/tiny-brown/config.json n_inner)

function worker(o: DemoOptions, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/src/cli/main.ts', ...args], {
      cwd: o.root,
      env: o.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${args[0]} exited with ${code}`))));
  });
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const demo = join(o.dataDir, 'demo');
  const acts = join(demo, 'acts');
  const widths = [4 * D_MLP, 16 * D_MLP];
  const ready = async (folder: string) =>
    (
      (await o.dataSource.query(`SELECT 1 FROM dictionaries WHERE weights_path = $1 AND status = 'ready'`, [
        folder,
      ])) as unknown[]
    ).length > 0;
  const steps = 1 + 2 * widths.length;
  let step = 0;
  const say = (what: string) => console.log(`demo ${++step}/${steps}: ${what}`);
  say(`extracting ${HOOK} of the built-in model on ${o.tokens.toLocaleString('en')} Brown tokens`);
  if (!existsSync(join(acts, 'manifest.json')))
    await worker(o, [
      'extract',
      '--model',
      'builtin',
      '--corpus',
      'brown',
      '--hook',
      HOOK,
      '--out',
      acts,
      '--max-tokens',
      String(o.tokens),
    ]);
  for (const latents of widths) {
    const out = join(demo, `topk-${latents}`);
    say(`training a TopK dictionary with ${latents} latents (k 16)`);
    if (!existsSync(out))
      await worker(o, [
        'train',
        '--acts',
        acts,
        '--arch',
        'topk',
        '--latents',
        String(latents),
        '--k',
        '16',
        '--out',
        out,
        '--tokens',
        String(3 * o.tokens),
        '--batch',
        '2048',
        '--checkpoint-every',
        '100',
        ...(existsSync(`${out}.checkpoints`) ? ['--resume'] : []),
      ]);
  }
  for (const latents of widths) {
    const out = join(demo, `topk-${latents}`);
    say(`analysing and ingesting the ${latents}-latent dictionary`);
    if (!(await ready(out)))
      await worker(o, [
        'analyze',
        '--sae',
        out,
        '--name',
        `tiny-brown mlp ${latents / D_MLP}x`,
        '--max-tokens',
        String(o.analyzeTokens),
      ]);
  }
}
