// A small Neuronpedia export written by hand from its record layouts (export-data.py's column lists,
// prisma/schema.prisma's Neuron, Activation, Explanation), not by our exporter: every optional field absent and
// present, Unicode and byte-level tokens, a 512-token window, index order as text across batch files. The worker's
// import tests and the api's serving test read it; docs/neuronpedia-format.md describes the layout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A batch file as Neuronpedia's exporter leaves it: JSON lines, gzipped. Strings are written as given (raw lines). */
export function writeBatch(dir: string, file: string, lines: (object | string)[]): void {
  mkdirSync(dir, { recursive: true });
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  writeFileSync(join(dir, file), gzipSync(text));
}

const key = (index: string) => ({ modelId: 'gpt2-small', layer: '6-res-jb', index });
export const longTokens = Array.from({ length: 512 }, (_, i) =>
  i % 3 === 0 ? `\u0120w${i}` : i % 3 === 1 ? '日本' : '😀',
);
export const longValues = Array.from({ length: 512 }, (_, i) => (i === 300 ? 6.5 : (i % 7) / 4));

/** The fixture: features 0, 1, 2, 10 in features/batch-0 (text order: 0, 1, 10, 2) and 1500 in batch-1. */
export function writeFixture(folder: string): void {
  writeFileSync(
    join(folder, 'model.jsonl'),
    JSON.stringify({ id: 'gpt2-small', instruct: false, creatorId: 'c1', displayName: 'GPT-2 Small', dimension: 8 }) +
      '\n',
  );
  writeFileSync(
    join(folder, 'source.jsonl'),
    JSON.stringify({ id: '6-res-jb', modelId: 'gpt2-small', setName: 'res-jb', creatorId: 'c1', dataset: 'owt' }) +
      '\n',
  );
  const full = {
    ...key('0'),
    maxActApprox: 6.5,
    creatorId: 'c1',
    frac_nonzero: 0.0125,
    freq_hist_data_bar_heights: [10, 5, 1],
    freq_hist_data_bar_values: [0.5, 1.5, 2.5],
    logits_hist_data_bar_heights: [3, 4, 5],
    logits_hist_data_bar_values: [-1, 0, 1],
    neuron_alignment_indices: [3],
    neuron_alignment_l1: [0.5],
    neuron_alignment_values: [0.25],
    correlated_neurons_indices: [],
    correlated_neurons_l1: [],
    correlated_neurons_pearson: [],
    decoder_weights_dist: [],
    neg_str: ['â', '\u0120the'],
    neg_values: [-2, -1.5],
    pos_str: [' café', '😀', '日本'],
    pos_values: [1.5, 1.25, 1],
    sourceSetName: 'res-jb',
    topkCosSimIndices: [10, 2],
    topkCosSimValues: [0.75, 0.5],
    vector: [],
    vectorLabel: null,
    hookName: 'blocks.6.hook_resid_pre',
    vectorDefaultSteerStrength: 10,
    hasVector: false,
    umap_x: 0.25,
    umap_y: -0.5,
  };
  const empty = { ...key('2'), frac_nonzero: 0, pos_str: [], pos_values: [], neg_str: [], neg_values: [] };
  writeBatch(join(folder, 'features'), 'batch-0.jsonl.gz', [
    full,
    { ...key('1'), maxActApprox: null, frac_nonzero: 0.5 },
    key('10'),
    empty,
  ]);
  writeBatch(join(folder, 'features'), 'batch-1.jsonl.gz', [{ ...key('1500'), maxActApprox: 1 }]);
  const act = (index: string, values: number[], tokens: string[], extra: object = {}) => ({
    ...key(index),
    tokens,
    values,
    maxValue: Math.max(...values),
    maxValueTokenIndex: values.indexOf(Math.max(...values)),
    ...extra,
  });
  const top = { binMin: -1, binMax: -1, binContains: -1 };
  writeBatch(join(folder, 'activations'), 'batch-0.jsonl.gz', [
    // Feature 0's top activations out of order; two quantile bins, the weaker one listed last.
    act('0', [0, 2.5, 0.25], [' a', 'â', '\u0120b'], { ...top, id: 'x1', dataIndex: '41', creatorId: 'c1' }),
    act('0', longValues, longTokens, { ...top, minValue: 0, dataSource: null }),
    act('0', [1, 0.5], ['😀', '日本'], { binMin: 0.9, binMax: 1.2, binContains: 0.1, dataIndex: '7' }),
    act('0', [0.25, 0.125], ['x', 'y'], { binMin: 0.1, binMax: 0.4, binContains: 0.5 }),
    act('0', [0.375, 0], ['z', ' '], { binMin: 0.1, binMax: 0.4, binContains: 0.5 }),
    act('10', [3], ['only']),
  ]);
  writeBatch(join(folder, 'activations'), 'batch-1.jsonl.gz', [act('1500', [0.5, 1], ['<|endoftext|>', 'x'])]);
  writeBatch(join(folder, 'explanations'), 'batch-0.jsonl.gz', [
    {
      id: 'e1',
      ...key('0'),
      authorId: 'u1',
      description: 'the word café',
      embedding: null,
      typeName: 'oai_token-act-pair',
      explanationModelName: 'gpt-4o-mini',
      umap_x: 0,
      umap_y: 0,
      umap_cluster: 0,
      umap_log_feature_sparsity: 0,
      scoreV2: 0.75,
      createdAt: '2024-05-01T12:00:00+00:00',
    },
    { ...key('0'), authorId: 'u2', description: 'emoji and 日本', typeName: 'human' },
    { ...key('1500'), description: 'end of text' },
  ]);
}
