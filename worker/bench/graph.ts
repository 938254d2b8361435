// Attribution graphs (issue 18): time to build a pruned graph for a 16-token and a 64-token prompt on a 4-layer
// model, nodes and edges before and after pruning, peak memory, and (reported, not asserted) how well the edge
// weights, exact in the frozen model, predict ablation effects in the unfrozen one. Goal: a 64-token graph in
// under 30 s on a 2-core machine.
//   npm run bench:graph [-- --model <folder>] [-- --transcoders <folder>[,<folder>…]]
// Without --model: the committed worker/models/tiny-brown-4l when present, else a random model of its shape (4 layers, d_model 128,
// d_mlp 512, 4 heads, vocab 4096, context 64). --transcoders: SAELens transcoder folders, one per layer, or a folder
// holding them (the demo's `<data>/demo/circuits`) or a circuit-tracer set; without it random TopK transcoders, width
// 2048, k 16 (whose replacement scores say nothing: random features explain nothing).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine } from './machine.js';
import { DEFAULT_GRAPH_PARAMS, type TranscoderSet } from '../src/circuits/attributionGraph.js';
import { buildAttributionGraphFromTokens, targetValues } from '../src/circuits/buildAttributionGraph.js';
import { randomTranscoders } from '../src/circuits/randomTranscoders.testing.js';
import { loadTranscoderSet } from '../src/circuits/transcoderSet.js';
import { hostModel, hostTranscoders, runSources } from '../src/circuits/replacementModel.js';
import { BUILTIN_4L_MODEL_DIR } from '../src/transformer/builtinModel.js';
import { loadGpt2Model } from '../src/transformer/modelFolder.js';
import { writeRandomModel } from '../src/transformer/randomModel.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const TRAINED = BUILTIN_4L_MODEL_DIR;
const SHAPE = { vocab: 4096, ctx: 64, d: 128, heads: 4, mlp: 512, layers: 4, eps: 1e-5 };
const TEXT =
  'The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of ' +
  'the election, deserves the praise and thanks of the City of Atlanta for the manner in which the election was ' +
  'conducted. The September-October term jury had been charged by Fulton Superior Court Judge Durwood Pye to ' +
  'investigate reports of possible irregularities in the hard-fought primary.';

console.log(machineLine());
let scratch: string | undefined;
const spec = arg('--model') ?? (existsSync(join(TRAINED, 'model.safetensors')) ? TRAINED : undefined);
const dir = spec ?? writeRandomModel((scratch = mkdtempSync(join(tmpdir(), 'bench-graph-'))), SHAPE);
const model = await loadGpt2Model(dir, 'the graph bench');
const c = model.config;
console.log(
  `model: ${spec ?? 'random (tiny-brown-4l shape)'}: ${c.nLayer} layers, d_model ${c.dModel}, d_mlp ${c.dMlp}, ${c.nHead} heads, vocab ${c.vocabSize}, context ${c.nPositions}`,
);
const transcoderArg = arg('--transcoders');
const set: TranscoderSet = transcoderArg
  ? loadTranscoderSet(transcoderArg.split(','), { nLayer: c.nLayer })
  : randomTranscoders(c, { dSae: 2048, k: 16, seed: 1, modelId: 'random' });
console.log(
  `transcoders: ${transcoderArg ?? 'random'}, width ${set.layers[0].dSae}, k ${set.layers[0].k}, ${set.layers[0].wSkip ? 'skip term' : 'no skip term'}`,
);

const host = hostModel(model);
const transcoders = hostTranscoders(set, c);
const textIds = Array.from(model.tokenizer.encode(`${TEXT} ${TEXT} ${TEXT}`).ids);
const promptOf = (length: number, offset = 0) => {
  const body = textIds.slice(offset, offset + length - (model.bosId === undefined ? 0 : 1));
  return model.bosId === undefined ? body : [model.bosId, ...body];
};
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

for (const length of [16, 64]) {
  const tokens = promptOf(Math.min(length, c.nPositions));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const g = await buildAttributionGraphFromTokens(host, transcoders, tokens, DEFAULT_GRAPH_PARAMS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const b = g.unpruned.blocks;
  console.log(
    `${tokens.length} tokens: ${seconds.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (goal at 64: < 30 s); nodes ${g.stats.nodesBeforePruning} → ${g.nodes.length} ` +
      `(${b.nFeatures} features, ${b.nErrors} errors, ${b.nEmbeddings} embeddings, ${b.nLogits} logits before), ` +
      `edges ${g.stats.edgesBeforePruning} → ${g.edges.length}; replacement score ${g.stats.replacementScore?.toFixed(3)}, ` +
      `completeness ${g.stats.completenessScore?.toFixed(3)}; heap ${mb(process.memoryUsage().heapUsed)}, ` +
      `peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
}

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, v) => a + v, 0) / x.length;
  const my = y.reduce((a, v) => a + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// Unfrozen ablation: on three 16-token prompts, zero each of the 20 most influential features and errors (one at a
// time), recompute attention and LayerNorm (other sources held), and compare each target's change with −edge.
const predicted: number[] = [];
const actual: number[] = [];
for (const offset of [0, 20, 40]) {
  const g = await buildAttributionGraphFromTokens(host, transcoders, promptOf(16, offset), DEFAULT_GRAPH_PARAMS);
  const u = g.unpruned;
  const b = u.blocks;
  const n = u.run.tokens.length;
  const base = targetValues(host, transcoders, u, runSources(u.run), { frozen: false });
  const candidates = Array.from({ length: b.nFeatures + b.nErrors }, (_, i) => i)
    .sort((x, y) => g.pruned.nodeInfluence[y] - g.pruned.nodeInfluence[x])
    .slice(0, 20);
  for (const source of candidates) {
    const s = runSources(u.run);
    if (source < b.nFeatures) {
      const f = u.selectedFeatures[source];
      let l = 0;
      while (u.layout.featureStart[l + 1] <= f) l++;
      s.featureActivations[l][f - u.layout.featureStart[l]] = 0;
    } else {
      const k = source - b.nFeatures;
      s.errors[Math.floor(k / n)].fill(0, (k % n) * c.dModel, ((k % n) + 1) * c.dModel);
    }
    const after = targetValues(host, transcoders, u, s, { frozen: false });
    const { cols, weights, starts, targets } = u.rows;
    for (let r = 0; r < targets.length; r++)
      for (let e = starts[r]; e < starts[r + 1]; e++)
        if (cols[e] === source) {
          const t =
            targets[r] < b.nFeatures
              ? u.selectedFeatures[targets[r]]
              : targets[r] - b.nErrors - b.nEmbeddings - (b.nFeatures - u.layout.nFeatures);
          predicted.push(-weights[e]);
          actual.push(after[t] - base[t]);
        }
  }
}
console.log(
  `unfrozen ablation (3 prompts of 16 tokens, 20 sources each, attention and LayerNorm recomputed): ` +
    `Pearson r between −edge weight and the real change ${pearson(predicted, actual).toFixed(4)} over ${predicted.length} edges`,
);
if (scratch) rmSync(scratch, { recursive: true, force: true });
