// What an evaluation returns, in the shapes the `evaluations` table and the api read (one row per number; one
// label score per feature and auto-label), and SAEBench's result-file layout for the `--out` JSON, so a result
// can sit beside published SAEBench results.
import { writeFileSync } from 'node:fs';
import { EVALUATION_KINDS, type EvaluationKind, type EvaluationRecord } from '@atlas/migrations';

export { EVALUATION_KINDS, type EvaluationKind };

/** One number of an evaluation. `subject` null: the aggregate; else a class ('nn', 'news'). */
export type EvaluationRow = EvaluationRecord;

/** How well one auto-label of a feature predicts held-out tokens from the feature's activation. */
export interface FeatureLabelScore {
  dictionaryId: number;
  featureIndex: number;
  labelKind: 'pos' | 'genre' | 'token';
  label: string;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  positives: number;
  tokens: number;
}

/** One result object in SAEBench's layout (each eval's eval_output.py). */
export interface SaebenchResult {
  eval_type_id: string;
  eval_config: Record<string, unknown>;
  eval_id: string;
  datetime_epoch_millis: number;
  eval_result_metrics: Record<string, Record<string, number>>;
  eval_result_details: Record<string, unknown>[];
  eval_result_unstructured: unknown;
  sae_bench_commit_hash: string;
  sae_lens_id: string | null;
  sae_lens_release_id: string | null;
  sae_lens_version: string | null;
  sae_cfg_dict: Record<string, unknown>;
}

/** SAEBench's eval_type_id per kind; absorption is our part-of-speech variant, named so. */
const EVAL_TYPE_ID: Record<EvaluationKind, string> = {
  core: 'core',
  sparse_probing: 'sparse_probing',
  tpp: 'tpp',
  absorption: 'absorption_pos',
  label_scoring: 'label_scoring',
};

/** SAEBench's metric groups per kind (eval_result_metrics), by our metric name's prefix or name. */
function metricGroup(kind: EvaluationKind, metric: string): [string, string] {
  if (kind === 'core') {
    const groups: Record<string, [string, string]> = {
      kl_div_spliced: ['model_behavior_preservation', 'kl_div_with_sae'],
      ce_loss_score: ['model_performance_preservation', 'ce_loss_score'],
      ce_loss_spliced: ['model_performance_preservation', 'ce_loss_with_sae'],
      ce_loss_zero_ablated: ['model_performance_preservation', 'ce_loss_with_ablation'],
      ce_loss_clean: ['model_performance_preservation', 'ce_loss_without_sae'],
      explained_variance: ['reconstruction_quality', 'explained_variance'],
      fvu: ['reconstruction_quality', 'fvu'],
      mse: ['reconstruction_quality', 'mse'],
      cossim: ['reconstruction_quality', 'cossim'],
      l0: ['sparsity', 'l0'],
    };
    return groups[metric] ?? ['misc_metrics', metric];
  }
  if (kind === 'tpp') return ['tpp_metrics', metric.replace(/^tpp_metric_top_(\d+)$/, 'tpp_threshold_$1_total_metric')];
  if (kind === 'absorption') return ['mean', metric];
  return ['label_scoring', metric];
}

/**
 * SAEBench-layout results, one per kind present in `rows`: aggregate rows (subject null) as eval_result_metrics,
 * per-class rows as eval_result_details ({ subject, <metric>: value, ... }).
 */
export function saebenchResults(
  rows: EvaluationRow[],
  o: { saeLensId?: string; saeCfg: Record<string, unknown>; codeVersion: string },
): SaebenchResult[] {
  const kinds = EVALUATION_KINDS.filter((k) => rows.some((r) => r.kind === k));
  return kinds.map((kind) => {
    const mine = rows.filter((r) => r.kind === kind);
    const metrics: Record<string, Record<string, number>> = {};
    const details = new Map<string, Record<string, unknown>>();
    // Sparse probing has its own layout (sparseProbingLayout); the rest group by metricGroup.
    for (const r of kind === 'sparse_probing' ? [] : mine) {
      if (r.subject === null) {
        const [group, key] = metricGroup(kind, r.metric);
        (metrics[group] ??= {})[key] = r.value;
      } else {
        const d = details.get(r.subject) ?? { subject: r.subject };
        d[r.metric] = r.value;
        details.set(r.subject, d);
      }
    }
    const first = mine[0];
    const probing = kind === 'sparse_probing' ? sparseProbingLayout(mine) : undefined;
    return {
      eval_type_id: EVAL_TYPE_ID[kind],
      eval_config: {
        ...first.settings,
        model_name: first.model,
        corpus_slice: first.corpusSlice,
        ...(kind === 'absorption' ? { variant: 'part_of_speech (Brown tags in place of first letters)' } : {}),
      },
      eval_id: `${first.dictionaryId}-${kind}-${first.createdAt.getTime()}`,
      datetime_epoch_millis: first.createdAt.getTime(),
      eval_result_metrics: probing?.metrics ?? metrics,
      eval_result_details: probing?.details ?? [...details.values()],
      eval_result_unstructured: probing?.unstructured ?? null,
      // Not SAEBench's code: our version, so a reader does not mistake it for a SAEBench commit.
      sae_bench_commit_hash: `feature-atlas ${o.codeVersion}`,
      sae_lens_id: o.saeLensId ?? null,
      sae_lens_release_id: null,
      sae_lens_version: null,
      sae_cfg_dict: o.saeCfg,
    };
  });
}

/**
 * Sparse probing as SAEBench lays it out: each task (pos, genre) is a "dataset" of eval_result_details
 * ({ dataset_name, llm_test_accuracy, sae_top_1_test_accuracy, ... } with SAEBench's unprefixed keys), and
 * eval_result_metrics' llm / sae groups hold the mean over datasets, as SAEBench averages its datasets. The
 * per-class numbers (SAEBench keeps none) go to eval_result_unstructured: { pos: { nn: { ... } }, ... }.
 */
function sparseProbingLayout(rows: EvaluationRow[]) {
  const perTask = new Map<string, Record<string, number>>();
  const unstructured: Record<string, Record<string, Record<string, number>>> = {};
  for (const r of rows) {
    const dot = r.metric.indexOf('.');
    const [task, key] = [r.metric.slice(0, dot), r.metric.slice(dot + 1)];
    if (r.subject === null) perTask.set(task, { ...perTask.get(task), [key]: r.value });
    else ((unstructured[task] ??= {})[r.subject] ??= {})[key] = r.value;
  }
  const metrics: Record<string, Record<string, number>> = {};
  const keys = new Set([...perTask.values()].flatMap((m) => Object.keys(m)));
  for (const key of keys) {
    const values = [...perTask.values()].map((m) => m[key]).filter((v) => v !== undefined);
    (metrics[key.startsWith('sae') ? 'sae' : 'llm'] ??= {})[key] = values.reduce((a, b) => a + b, 0) / values.length;
  }
  const details = [...perTask].map(([task, m]) => ({ dataset_name: `brown_${task}`, ...m }));
  return { metrics, details, unstructured };
}

/** Write the SAEBench-layout results as one JSON array. */
export function writeSaebenchJson(path: string, results: SaebenchResult[]): void {
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
}
