// Agreement with external reference implementations (issue 19 part 3): for each fixture case (a random model
// folder) and each reference that ran it (nanoGPT, llama2.c's run.c, litgpt), our loader and hook runner on the
// same ids, the max relative difference (max|ours − reference| / max|reference| per tensor) of every hook and the
// logits. Prints one table per case and run, then a markdown summary (max over layers per hook kind) for
// docs/reference-agreement.md. Cases the loader refuses are listed with its message.
//   npm run reference:agreement [-- --fixtures <dir>]
// --fixtures: a folder written by scripts/reference/generate.py (default: the committed worker/test-fixtures/reference).
import { join } from 'node:path';
import { machineLine } from './machine.js';
import { readNpy } from '../src/formats/npy.js';
import { HOOK_KINDS } from '../src/transformer/hooks.js';
import { disposeModel, loadModel } from '../src/transformer/modelFolder.js';
import {
  maxRelativeDifference,
  measureAgreement,
  readReferenceManifest,
  referenceCases,
  type Agreement,
} from '../src/transformer/referenceAgreement.js';

const at = process.argv.indexOf('--fixtures');
const root = at > 0 ? process.argv[at + 1] : new URL('../test-fixtures/reference/', import.meta.url).pathname;
const exp = (x: number) => x.toExponential(1);

console.log(machineLine());
const runs: Agreement[] = [];
const refused: string[] = [];
const crossChecks: string[] = [];
for (const c of referenceCases(root)) {
  // Where two references ran one model, how far apart they are (independent of our code).
  for (let i = 1; i < c.outputDirs.length; i++) {
    const [a, b] = [c.outputDirs[0], c.outputDirs[i]].map(readReferenceManifest);
    const shared = [...a.hooks.filter((h) => b.hooks.includes(h)), 'logits'];
    const worst = Math.max(
      ...shared.map((h) =>
        maxRelativeDifference(
          readNpy(join(c.outputDirs[0], `${h}.npy`)).data,
          readNpy(join(c.outputDirs[i], `${h}.npy`)).data,
        ),
      ),
    );
    crossChecks.push(`${c.name}: ${a.reference} against ${b.reference}, ${shared.length} tensors, worst ${exp(worst)}`);
  }
  let model;
  try {
    model = await loadModel(c.modelDir);
  } catch (err) {
    refused.push(`${c.name}: ${(err as Error).message}`);
    continue;
  }
  try {
    for (const dir of c.outputDirs) {
      const a = await measureAgreement(model, dir);
      runs.push(a);
      const m = a.manifest;
      console.log(`\n${m.case} (${m.modelType}, ${m.dtype}, ${m.shards} file(s)) against ${m.reference}`);
      for (const h of a.hooks) console.log(`  ${h.name.padEnd(32)} ${exp(h.maxRelDiff)}`);
      for (const h of a.refusedHooks) console.log(`  ${h.name.padEnd(32)} refused: ${h.message}`);
      console.log(`  ${'logits'.padEnd(32)} ${exp(a.logits)}`);
    }
  } finally {
    disposeModel(model);
  }
}

// Columns in forward order (HOOK_KINDS is that order); a kind no run has is left out.
const forwardOrder: readonly string[] = HOOK_KINDS;
const seen = new Set(runs.flatMap((a) => a.manifest.hooks.map((h) => h.replace(/^blocks\.\d+\./, ''))));
const kinds = [...forwardOrder.filter((k) => seen.has(k)), ...[...seen].filter((k) => !forwardOrder.includes(k))];
console.log('\n| case | model_type | dtype, files | reference | ' + kinds.join(' | ') + ' | logits |');
console.log('|' + ' --- |'.repeat(kinds.length + 5));
for (const a of runs) {
  const m = a.manifest;
  const cells = kinds.map((k) => {
    const ours = a.hooks.filter((h) => h.name.endsWith(`.${k}`));
    if (ours.length) return exp(Math.max(...ours.map((h) => h.maxRelDiff)));
    if (a.refusedHooks.some((h) => h.name.endsWith(`.${k}`))) return 'not exposed';
    return '–';
  });
  console.log(
    `| ${m.case} | ${m.modelType} | ${m.dtype}, ${m.shards} | ${m.reference} | ${cells.join(' | ')} | ${exp(a.logits)} |`,
  );
}
if (crossChecks.length) console.log('\nReferences against each other:\n' + crossChecks.map((r) => `  ${r}`).join('\n'));
if (refused.length) console.log('\nNot loaded:\n' + refused.map((r) => `  ${r}`).join('\n'));
