// Evaluations (issue 17): time per evaluation kind and in all for demo-sized dictionaries (d_in 512 on the
// built-in model's blocks.0.mlp.hook_post, 2,048 and 8,192 latents, TopK k 16), on the default held-out slice.
// Goal: all evaluations of one demo dictionary in under 2 minutes on a 2-core machine.
//   npm run bench:evaluate [-- --sae=<folder>] [-- --documents=100] [-- --tokens-per-document=512] [-- --out=<file>]
// --out writes the last dictionary's results as SAEBench-layout JSON.
// Without --sae the dictionaries are random of the demo's shapes: the work (and so the time) is the same as a
// trained one's, the numbers are not.
import { availableParallelism } from 'node:os';
import { machineLine } from './machine.js';
import { loadBackend } from '../src/engine/backendRegistry.js';
import { InferenceDictionary } from '../src/inference/inferenceDictionary.js';
import { InferenceModel } from '../src/inference/inferenceModel.js';
import { randomDictionary } from '../src/inference/randomDictionary.testing.js';
import { DEFAULT_SLICE, evaluateDictionary } from '../src/evaluation/evaluateDictionary.js';
import { writeSaebenchJson } from '../src/evaluation/evaluationRows.js';

const HOOK = 'blocks.0.mlp.hook_post';
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));

console.log(machineLine());
const backend = await loadBackend('auto', { threads: availableParallelism() });
const model = await InferenceModel.load('builtin');
const slice = {
  ...DEFAULT_SLICE,
  ...(args.has('documents') ? { documents: Number(args.get('documents')) } : {}),
  ...(args.has('tokens-per-document') ? { tokensPerDocument: Number(args.get('tokens-per-document')) } : {}),
};
const dictionaries: [string, InferenceDictionary][] = args.has('sae')
  ? [[args.get('sae')!, InferenceDictionary.load(args.get('sae')!)]]
  : [2048, 8192].map((dSae) => [
      `random ${dSae} latents (demo shape, k 16)`,
      new InferenceDictionary(randomDictionary({ dIn: 512, dSae, k: 16, seed: 3 })),
    ]);
for (const [label, dictionary] of dictionaries) {
  const t0 = performance.now();
  const out = await evaluateDictionary({ dictionaryId: 0, model, dictionary, hook: HOOK, backend, slice, seed: 0 });
  const total = (performance.now() - t0) / 1000;
  const parts = Object.entries(out.timings)
    .map(([kind, ms]) => `${kind} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  console.log(`${label}: all evaluations ${total.toFixed(1)} s (${parts}); ${out.rows[0]?.corpusSlice}`);
  const pick = (kind: string, metric: string) =>
    out.rows.find((r) => r.kind === kind && r.metric === metric && r.subject === null)?.value;
  console.log(
    `  fvu ${pick('core', 'fvu')?.toFixed(3)}, CE loss recovered ${pick('core', 'ce_loss_score')?.toFixed(3)}, ` +
      `pos sae top-1 ${pick('sparse_probing', 'pos.sae_top_1_test_accuracy')?.toFixed(3)} (llm all ${pick('sparse_probing', 'pos.llm_test_accuracy')?.toFixed(3)}), ` +
      `tpp top-10 ${pick('tpp', 'tpp_metric_top_10')?.toFixed(3)}, absorption ${pick('absorption', 'mean_absorption_fraction')?.toFixed(3)}, ` +
      `label F1 ${pick('label_scoring', 'mean_f1')?.toFixed(3)}, ${out.rows.length} rows, ${out.labelScores.length} label scores`,
  );
  if (args.has('out')) writeSaebenchJson(args.get('out')!, out.saebench);
}
console.log(
  '  goal: < 120 s per dictionary. SAEBench reports ~2 hours per SAE on a GPU for its full suite on Gemma-2-2B: ' +
    'different work (larger model, more data, LLM autointerp), not a like-for-like comparison.',
);
model.dispose();
backend.dispose();
