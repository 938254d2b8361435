// The demo behind `npm start`: on an empty atlas, extract the built-in tiny LM's MLP activations on Brown,
// train two TopK dictionaries (4x and 16x the MLP width), analyse and ingest them, then evaluate them. Every step is one of the
// worker's own commands, run as a child with its progress on stderr; a step whose output exists is skipped, and
// interrupted steps resume (extraction and training checkpoints), so a second start is quick. Dictionaries are
// recognised by content (weights + settings), not by path or status: a moved or copied atlas keeps its demo, a
// deleted demo dictionary stays deleted, and one that another process is analysing is waited for, not redone.
// The circuits stage then does the same for the committed four-layer model: one transcoder per layer (MLP input →
// MLP output), analysed and ingested, and attribution graphs of a few chosen prompts stored in the atlas.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILTIN_4L_MODEL_DIR,
  dictionaryByContent,
  loadExternalSae,
  relocateDictionary,
  saeContentHash,
} from '@atlas/worker';
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
  /** Also build the circuits demo (transcoders and graphs of the four-layer model). */
  circuits?: boolean;
}

const HOOK = 'blocks.0.mlp.hook_post';
const D_MLP = 512; // the built-in model's MLP width (worker/models/tiny-brown/config.json n_inner)
const WIDTHS = [4 * D_MLP, 16 * D_MLP];

/** The circuits demo: the four-layer model, one transcoder per layer (16x d_model, k 16), graphs of these prompts. */
const CIRCUITS_MODEL = 'builtin:tiny-brown-4l';
const CIRCUITS_LAYERS = 4;
const TRANSCODER_LATENTS = 2048;
export const CIRCUITS_PROMPTS = [
  'The president of the United',
  'He walked into the room and sat down on the',
  'The jury said it did not find that the',
];

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

/** `worker train` of a demo dictionary (k 16, three passes over the extracted tokens; resumes a checkpoint). */
function trainArgs(o: DemoOptions, acts: string, arch: string, latents: number, out: string): string[] {
  return [
    'train',
    ...['--acts', acts, '--arch', arch, '--latents', String(latents), '--k', '16', '--out', out],
    ...['--tokens', String(3 * o.tokens), '--batch', '2048', '--checkpoint-every', '100'],
    ...(existsSync(`${out}.checkpoints`) ? ['--resume'] : []),
  ];
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
async function analyzeDemoDictionary(o: DemoOptions, folder: string, name: string, model = 'builtin'): Promise<void> {
  let waited = '';
  for (;;) {
    const decision = await decideDemoDictionary(o.dataSource, folder);
    if (decision.action === 'analyze')
      return worker(o, [
        'analyze',
        ...['--sae', folder, '--model', model, '--name', name, '--max-tokens', String(o.analyzeTokens)],
      ]);
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

/** The circuits demo's transcoder folder of one layer. */
export const transcoderFolder = (demo: string, layer: number) => join(demo, 'circuits', `transcoder-${layer}`);

/** Every dictionary folder the demo trains (those present count as the demo's own). */
export function demoFolders(demo: string): string[] {
  return [
    ...WIDTHS.map((latents) => demoFolder(demo, latents)),
    ...Array.from({ length: CIRCUITS_LAYERS }, (_, layer) => transcoderFolder(demo, layer)),
  ];
}

/**
 * Dictionaries that are not the demo's: rows whose content is none of the trained demo folders' (rows from before
 * content was recorded count as the demo's when their folder was a demo folder).
 */
export async function otherDictionaries(ds: DataSource, folders: string[]): Promise<number> {
  const hashes = folders
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

/**
 * The circuits stage: per layer of the four-layer model, paired activations (MLP input and output), a transcoder,
 * its analysis; then a stored graph of each chosen prompt that the atlas does not hold yet.
 */
async function runCircuitsDemo(o: DemoOptions, demo: string): Promise<void> {
  if (!existsSync(join(BUILTIN_4L_MODEL_DIR, 'model.safetensors')))
    return console.log(`demo: circuits skipped: ${BUILTIN_4L_MODEL_DIR} is not in this checkout`);
  const steps = 3 * CIRCUITS_LAYERS + 1;
  let step = 0;
  const say = (what: string) => console.log(`demo circuits ${++step}/${steps}: ${what}`);
  for (let layer = 0; layer < CIRCUITS_LAYERS; layer++) {
    const acts = join(demo, 'circuits', `acts-${layer}`);
    say(`extracting layer ${layer}'s MLP input and output on ${o.tokens.toLocaleString('en')} Brown tokens`);
    if (!existsSync(join(acts, 'manifest.json')))
      await worker(o, [
        'extract',
        '--model',
        CIRCUITS_MODEL,
        '--corpus',
        'brown',
        '--hook',
        `blocks.${layer}.ln2.hook_normalized`,
        '--target-hook',
        `blocks.${layer}.hook_mlp_out`,
        '--out',
        acts,
        '--max-tokens',
        String(o.tokens),
      ]);
    const out = transcoderFolder(demo, layer);
    say(`training layer ${layer}'s transcoder (${TRANSCODER_LATENTS} latents, k 16)`);
    if (!existsSync(out)) await worker(o, trainArgs(o, acts, 'transcoder', TRANSCODER_LATENTS, out));
  }
  for (let layer = 0; layer < CIRCUITS_LAYERS; layer++) {
    say(`analysing and ingesting layer ${layer}'s transcoder`);
    await analyzeDemoDictionary(o, transcoderFolder(demo, layer), `tiny-brown-4l transcoder L${layer}`, CIRCUITS_MODEL);
  }
  say(`attribution graphs of ${CIRCUITS_PROMPTS.length} prompts`);
  for (const prompt of CIRCUITS_PROMPTS) {
    const [{ n }] = (await o.dataSource.query(
      `SELECT count(*)::int AS n FROM graphs WHERE model_name = $1 AND prompt = $2`,
      [CIRCUITS_MODEL, prompt],
    )) as { n: number }[];
    if (n === 0) await worker(o, ['graph', '--model', CIRCUITS_MODEL, '--prompt', prompt, '--database']);
  }
}

/** Build (or finish, or keep) the demo; resolves to 'built', or to why it was not (the atlas has its own). */
export async function runDemo(o: DemoOptions): Promise<string> {
  const demo = join(o.dataDir, 'demo');
  const acts = join(demo, 'acts');
  const widths = WIDTHS;
  const others = await otherDictionaries(o.dataSource, demoFolders(demo));
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
    if (!existsSync(out)) await worker(o, trainArgs(o, acts, 'topk', latents, out));
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
  if (o.circuits !== false) await runCircuitsDemo(o, demo);
  return 'built';
}
