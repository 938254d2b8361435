// Evaluate a dictionary already in the atlas (issue 17): load its weights and its model, run every requested
// evaluation on the held-out slice, and store the numbers (each kind's rows replace that kind's earlier ones in one
// transaction) and the held-out scores of the labels the atlas shows. Shared by `worker evaluate` and the
// `evaluate` job; a rerun redoes the evaluation and replaces its rows, which is what makes the job resumable.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { saveEvaluations, saveFeatureLabelScores, type OpenDatabase } from '@atlas/migrations';
import { loadBackend } from '../engine/backendRegistry.js';
import { trainingDocuments } from '../evaluation/trainingDocuments.js';
import { AtlasError } from '../errors.js';
import {
  evaluateDictionary,
  type EvaluationOutput,
  type EvaluationSlice,
  type LabelPredicate,
} from '../evaluation/evaluateDictionary.js';
import { EVALUATION_KINDS, type EvaluationKind, writeSaebenchJson } from '../evaluation/evaluationRows.js';
import { InferenceDictionary } from '../inference/inferenceDictionary.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { readEvaluationSource, readFeatureLabels } from '../store/evaluationSource.js';

export interface EvaluateIntoAtlasOptions {
  dictionaryId: number;
  /** Kinds to run (default: all). */
  only?: EvaluationKind[];
  /** Also write SAEBench-layout JSON here. */
  out?: string;
  slice?: Partial<EvaluationSlice>;
  seed?: number;
  /** How the caller names the dictionary id in messages: the flag (`--dictionary`, default) or a payload field. */
  dictionaryField?: string;
  /** Called with the fraction done (0..1); may throw to stop (a cancelled job). */
  onProgress?: (fraction: number) => void;
}

export interface EvaluateIntoAtlasResult {
  output: EvaluationOutput;
  /** Rows stored per kind (non-finite numbers are left out: a metric that could not be computed on the slice). */
  stored: Partial<Record<EvaluationKind, number>>;
  labelScores: number;
  /** Metrics left out because they were not finite, as `kind metric (subject)`. */
  skipped: string[];
  dictionaryName: string;
  modelName: string;
}

/** `--only core,tpp` as evaluation kinds, or one error naming the flag and the kinds there are. */
export function parseEvaluationKinds(spec: string, flag = '--only'): EvaluationKind[] {
  const kinds = spec
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const unknown = kinds.filter((k) => !(EVALUATION_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${flag} ${unknown.length ? `names unknown evaluation kind(s) ${unknown.map((k) => `'${k}'`).join(', ')}` : 'is empty'}; pass a comma-separated list of ${EVALUATION_KINDS.join(', ')}`,
    );
  return [...new Set(kinds)] as EvaluationKind[];
}

/**
 * The predicate behind a stored label, the inverse of the analysis' `shortLabel` (with its genre suffix):
 * `vbd (F1 0.81)` → pos vbd, `news (genre) (F1 0.41)` → genre news, `"the" "a"` → the token label itself.
 */
export function storedLabelPredicate(featureIndex: number, text: string): LabelPredicate {
  const genre = /^(.+) \(genre\) \(F1 [0-9.]+\)$/.exec(text);
  if (genre) return { featureIndex, labelKind: 'genre', label: genre[1] };
  const pos = /^(\S+) \(F1 [0-9.]+\)$/.exec(text);
  if (pos) return { featureIndex, labelKind: 'pos', label: pos[1] };
  return { featureIndex, labelKind: 'token', label: text };
}

/** Evaluate dictionary `o.dictionaryId` of the atlas and store the results (see the file comment). */
export async function evaluateIntoAtlas(
  db: OpenDatabase,
  o: EvaluateIntoAtlasOptions,
): Promise<EvaluateIntoAtlasResult> {
  const field = o.dictionaryField ?? '--dictionary';
  const source = await readEvaluationSource(db.dataSource, o.dictionaryId);
  if (!source)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${field} ${o.dictionaryId}: no dictionary has this id; list them with { dictionaries { id name } } in GraphQL`,
    );
  if (!source.weightsPath || !existsSync(join(source.weightsPath, 'cfg.json')))
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${field} ${o.dictionaryId} (${source.name}): its weights are not on disk${source.weightsPath ? ` (no ${join(source.weightsPath, 'cfg.json')})` : ''}; bring the folder back, or import it again with \`worker analyze --sae <folder>\``,
    );
  const dictionary = InferenceDictionary.load(source.weightsPath);
  const stored = await readFeatureLabels(db.dataSource, o.dictionaryId);
  // The atlas' own labels when the dictionary was analysed (what its feature pages show); else the evaluation
  // makes labels on the slice's train documents by the same rule.
  const labels = stored.length
    ? stored.filter((l) => l.index < dictionary.sae.dSae).map((l) => storedLabelPredicate(l.index, l.label))
    : undefined;
  const model = await InferenceModel.load(source.modelPath ?? 'builtin');
  const modelName = model.name;
  const backend = await loadBackend('auto');
  let output: EvaluationOutput;
  try {
    output = await evaluateDictionary({
      dictionaryId: o.dictionaryId,
      model,
      dictionary,
      hook: source.hookPoint,
      backend,
      only: o.only,
      slice: o.slice,
      seed: o.seed,
      labels,
      onProgress: o.onProgress,
      training: trainingDocuments(source.weightsPath),
    });
  } finally {
    model.dispose();
    backend.dispose();
  }
  const skipped: string[] = [];
  const result: EvaluateIntoAtlasResult = {
    output,
    stored: {},
    labelScores: 0,
    skipped,
    dictionaryName: source.name,
    modelName,
  };
  for (const kind of o.only ?? EVALUATION_KINDS) {
    const rows = output.rows.filter((r) => r.kind === kind);
    const finite = rows.filter((r) => Number.isFinite(r.value));
    for (const r of rows)
      if (!Number.isFinite(r.value)) skipped.push(`${kind} ${r.metric}${r.subject === null ? '' : ` (${r.subject})`}`);
    result.stored[kind] = await saveEvaluations(db, o.dictionaryId, kind, finite);
  }
  if ((o.only ?? EVALUATION_KINDS).includes('label_scoring'))
    result.labelScores = await saveFeatureLabelScores(db, o.dictionaryId, output.labelScores);
  if (o.out) writeSaebenchJson(o.out, output.saebench);
  return result;
}
