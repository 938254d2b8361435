// The demo behind `npm start`: on an empty atlas, extract the built-in tiny LM's MLP activations on Brown,
// train two TopK dictionaries (4x and 16x the MLP width), analyse and ingest them, then evaluate them. Every step is one of the
// worker's own commands, run as a child with its progress on stderr; a step whose output exists is skipped, and
// interrupted steps resume (extraction and training checkpoints), so a second start is quick. Dictionaries are
// recognised by content (weights + settings), not by path or status: a moved or copied atlas keeps its demo, a
// deleted demo dictionary stays deleted, and one that another process is analysing is waited for, not redone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dictionaryByContent, loadExternalSae, relocateDictionary, saeContentHash } from '@atlas/worker';
import { EVALUATION_KINDS } from '@atlas/migrations';
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
  /** Time between looks while another process analyses a demo dictionary. */
  pollMs?: number;
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

/** What the demo does with one of its trained dictionaries, and why. */
export type DemoDecision =
  | { action: 'analyze'; why: string }
  | { action: 'ready'; id: number }
  | { action: 'deleted'; why: string }
  | { action: 'wait'; why: string };

/**
 * Decide by content what to do with the trained demo dictionary in `folder`: analyse it (absent, or an analysis
 * left unfinished with no one at work on it), skip it (ready, or deleted by a person), or wait (an analysis claim
 * or job is live: a crashed analysis' retried job, another atlas process). A ready dictionary found under another
 * path (a moved or copied atlas) is pointed at this folder.
 */
export async function decideDemoDictionary(ds: DataSource, folder: string): Promise<DemoDecision> {
  const state = await dictionaryByContent(ds, saeContentHash(loadExternalSae(folder)), folder);
  if (state.kind === 'absent') return { action: 'analyze', why: 'not in the atlas yet' };
  if (state.kind === 'deleted')
    return {
      action: 'deleted',
      why: `'${state.name}' was deleted from this atlas on ${state.deletedAt.toISOString()}; not adding it again (\`npm run worker -- analyze --sae ${folder}\` does)`,
    };
  if (state.analysedBy)
    return { action: 'wait', why: `dictionary ${state.id} is being analysed by ${state.analysedBy}` };
  if (state.weightsPath !== folder) await relocateDictionary(ds, state.id, folder);
  if (state.status === 'ready') return { action: 'ready', id: state.id };
  return { action: 'analyze', why: `dictionary ${state.id} was left ${state.status}` };
}

/** Analyse the dictionary in `folder` unless decideDemoDictionary says otherwise; waits out another's analysis. */
async function analyzeDemoDictionary(o: DemoOptions, folder: string, name: string): Promise<void> {
  let waited = '';
  for (;;) {
    const decision = await decideDemoDictionary(o.dataSource, folder);
    if (decision.action === 'analyze')
      return worker(o, ['analyze', '--sae', folder, '--name', name, '--max-tokens', String(o.analyzeTokens)]);
    if (decision.action === 'ready') return;
    if (decision.action === 'deleted') return console.log(`demo: ${name}: ${decision.why}`);
    if (decision.why !== waited) console.log(`demo: ${name}: ${decision.why}; waiting for it`);
    waited = decision.why;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}

/**
 * Evaluate the ready demo dictionary in `folder` unless every evaluation kind already has rows (a second start
 * skips it; an evaluation killed half-way, with some kinds stored, is run again whole: each kind's rows are replaced).
 */
async function evaluateDemoDictionary(o: DemoOptions, folder: string): Promise<void> {
  const decision = await decideDemoDictionary(o.dataSource, folder);
  if (decision.action !== 'ready') return;
  const [{ kinds }] = (await o.dataSource.query(
    `SELECT count(DISTINCT kind)::int AS kinds FROM evaluations WHERE dictionary_id = $1`,
    [decision.id],
  )) as { kinds: number }[];
  if (kinds < EVALUATION_KINDS.length) await worker(o, ['evaluate', '--dictionary', String(decision.id)]);
}

/** Trained demo folders under `demo`, by width. */
export const demoFolder = (demo: string, latents: number) => join(demo, `topk-${latents}`);

/**
 * Dictionaries that are not the demo's: rows whose content is none of the trained demo folders' (rows from before
 * content was recorded count as the demo's when their folder was a demo folder).
 */
export async function otherDictionaries(ds: DataSource, demo: string, widths: number[]): Promise<number> {
  const hashes = widths
    .map((latents) => demoFolder(demo, latents))
    .filter((folder) => existsSync(join(folder, 'cfg.json')))
    .map((folder) => saeContentHash(loadExternalSae(folder)));
  const [{ n }] = (await ds.query(
    `SELECT count(*)::int AS n FROM dictionaries
      WHERE NOT (coalesce(content_hash, '') = ANY($1::text[]))
        AND NOT (content_hash IS NULL AND weights_path LIKE '%/demo/topk-%')`,
    [hashes],
  )) as { n: number }[];
  return n;
}

/** Build (or finish, or keep) the demo; resolves to 'built', or to why it was not (the atlas has its own). */
export async function runDemo(o: DemoOptions): Promise<string> {
  const demo = join(o.dataDir, 'demo');
  const acts = join(demo, 'acts');
  const widths = [4 * D_MLP, 16 * D_MLP];
  const others = await otherDictionaries(o.dataSource, demo, widths);
  if (others > 0) return `skipped: the atlas has ${others} dictionar${others === 1 ? 'y' : 'ies'} of its own`;
  const steps = 1 + 3 * widths.length;
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
    const out = demoFolder(demo, latents);
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
    const out = demoFolder(demo, latents);
    say(`analysing and ingesting the ${latents}-latent dictionary`);
    await analyzeDemoDictionary(o, out, `tiny-brown mlp ${latents / D_MLP}x`);
  }
  for (const latents of widths) {
    say(`evaluating the ${latents}-latent dictionary on held-out Brown text`);
    await evaluateDemoDictionary(o, demoFolder(demo, latents));
  }
  return 'built';
}
