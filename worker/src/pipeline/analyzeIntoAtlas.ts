// Bring a dictionary into the atlas: load its folder (SAELens any version, or sparsify), check it against the
// model's hook point, run the analysis pass over a corpus, ingest features and examples, link families across
// widths, mark it ready. The one body behind `worker analyze` / `import-sae` and the `analyze` and `import` jobs.
import { resolve } from 'node:path';
import { AnalysisClaimLost, type OpenDatabase } from '@atlas/migrations';
import { readPartial, writePartial } from '../analysis/analysisPartial.js';
import {
  analyzeDictionary,
  analyzeRange,
  checkPartials,
  mergePartials,
  totalRows,
  type AnalyzeOptions,
  type TokenRange,
} from '../analysis/analyzeDictionary.js';
import { topCosineNeighboursOn } from '../analysis/similarity.js';
import type { Backend } from '../engine/backend.js';
import { loadBackend } from '../engine/backendRegistry.js';
import { saeContentHash } from '../engine/sae/contentHash.js';
import { loadExternalSae } from '../engine/sae/loadExternalSae.js';
import { AtlasError } from '../errors.js';
import { InferenceModel } from '../inference/inferenceModel.js';
import { storeFeatureLinks } from '../ingest/featureLinks.js';
import { ingestDictionary } from '../ingest/ingestDictionary.js';
import { openCorpus } from '../sources/corpus.js';
import { tokenizeDocument, type TokenizedDocument } from '../sources/corpusCache.js';
import {
  dictionariesOnHook,
  ensureDictionary,
  ensureModel,
  finishAnalysis,
  markAnalyzing,
  readDecoder,
  setContentHash,
  setDictionaryModel,
  transcoderHyperparameters,
} from '../store/dictionaryLifecycle.js';
import { disposeModel, loadModel, type LoadedModel } from '../transformer/modelFolder.js';
import { initTfjs } from '../transformer/runtime.js';
import { takeAnalysisLock, type AnalysisLockOptions } from './analysisLock.js';
import { checkSaeFitsModel } from './saeModelFit.js';

/** Tokens per analysis window including BOS, unless told otherwise. */
export const ANALYSIS_CONTEXT = 64;

export interface AnalyzeIntoAtlasOptions {
  /** SAELens or sparsify folder. */
  folder: string;
  /** 'builtin' or a Hugging Face model folder of a supported family. */
  model: string;
  /** 'brown' or a folder of .txt/.jsonl. */
  corpus: string;
  /** Hook point; default the dictionary's hook_name (a different one is refused). */
  hook?: string;
  /** Name in the atlas for a new dictionary (default: the folder name). */
  name?: string;
  /** Re-analyse this dictionary instead of the one registered for the folder (or a new one). */
  dictionaryId?: number;
  maxTokens?: number;
  /** Tokens per window including BOS. */
  contextSize: number;
  prependBos: boolean;
  /** Partial files of a split analysis (`analyzeRangeToFile`) that tile the corpus: merge them instead of a pass. */
  mergePartials?: string[];
  /** Continue the staging load an interrupted run of the same analysis left (ingest resumes; analysis restarts). */
  resumeIngest?: boolean;
  /** Who holds the dictionary's analysis claim, and what to do when another analysis holds it (default: refuse). */
  claim?: Omit<AnalysisLockOptions, 'waiting'>;
}

/** Where the work is: `stage` names it; done and total count `unit`s. */
export interface AnalyzeIntoAtlasProgress {
  stage: 'corpus' | 'summaries' | 'ingest';
  done: number;
  total: number;
  unit: 'tokens' | 'steps' | 'features';
  detail?: string;
}

/** What the caller hears. `progress` is called synchronously from the work loop; throwing from it stops the work. */
export interface AnalyzeIntoAtlasEvents {
  log(line: string): void | Promise<void>;
  progress(p: AnalyzeIntoAtlasProgress): void;
  /** The dictionary's id is known (before any analysis). */
  dictionary?(id: number): void | Promise<void>;
  /** The analysis' figures (tokens, wall seconds, milliseconds per phase), before ingest: what benches read. */
  analysed?(figures: { tokens: number; seconds: number; timings: Readonly<Record<string, number>> }): void;
  /** Analysis done, ingest about to start: from here on a rerun can resume the load. */
  ingesting?(id: number): void | Promise<void>;
  /** Another analysis of the dictionary holds its claim and `claim.whenHeld` is 'wait': called before each wait. */
  waitingForClaim?: AnalysisLockOptions['waiting'];
}

/** A dictionary, its model and corpus loaded and checked against each other: what every analysis mode starts from. */
interface PreparedAnalysis {
  folder: string;
  sae: ReturnType<typeof loadExternalSae>;
  hook: string;
  model: LoadedModel;
  backend: Backend;
  analyzeOptions: AnalyzeOptions;
  /** `backend: …; N documents, M tokens of <corpus>` */
  summary: string;
  dispose(): void;
}

async function prepareAnalysis(
  o: AnalyzeIntoAtlasOptions,
  onProgress: AnalyzeOptions['onProgress'],
): Promise<PreparedAnalysis> {
  const folder = resolve(o.folder);
  const sae = loadExternalSae(folder);
  const hook = o.hook ?? sae.hookName ?? undefined;
  if (!hook)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${folder}/cfg.json has no hook_name; pass --hook, e.g. --hook blocks.0.mlp.hook_post`,
    );
  if (o.hook && sae.hookName && o.hook !== sae.hookName)
    throw new AtlasError(
      'PROVENANCE_MISMATCH',
      `--hook ${o.hook} but ${folder} was trained on ${sae.hookName}; drop --hook or pick the matching dictionary`,
    );
  const { transcoder } = sae;
  if (transcoder && transcoder.dOut !== sae.dIn)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${folder} is a transcoder with d_in ${sae.dIn} but d_out ${transcoder.dOut}; the atlas stores decoder rows d_in wide, so it analyses transcoders whose input and output hooks have one width`,
    );
  await initTfjs();
  const model = await loadModel(o.model);
  const backend = await loadBackend('auto');
  const dispose = () => {
    backend.dispose();
    disposeModel(model);
  };
  try {
    const notes = checkSaeFitsModel(folder, sae, hook, model);
    // A transcoder's output hook must be a hook of this model as wide as its decoder rows (logit effects and
    // the CE-loss splice go there).
    if (transcoder?.hookNameOut) {
      let width: number;
      try {
        width = InferenceModel.of(model).hook(transcoder.hookNameOut).width;
      } catch (err) {
        throw err instanceof AtlasError
          ? new AtlasError(
              'SOURCE_MALFORMED',
              `${folder}/cfg.json: hook_name_out ${transcoder.hookNameOut} is not a hook of ${model.name} (${err.message})`,
              { cause: err },
            )
          : err;
      }
      if (width !== transcoder.dOut)
        throw new AtlasError(
          'SOURCE_SHAPE_MISMATCH',
          `${folder}: hook_name_out ${transcoder.hookNameOut} of ${model.name} is ${width} wide but the transcoder's d_out is ${transcoder.dOut}; its weights belong to another model`,
        );
    }
    const corpus = openCorpus(o.corpus);
    const documents: TokenizedDocument[] = [];
    let tokens = 0;
    for await (const doc of corpus.documents()) {
      const t = tokenizeDocument(model.tokenizer, doc, documents.length);
      documents.push(t);
      tokens += t.tokens.length;
      if (o.maxTokens !== undefined && tokens >= o.maxTokens) break;
    }
    return {
      folder,
      sae,
      hook,
      model,
      backend,
      analyzeOptions: {
        sae,
        model,
        documents,
        hook,
        backend,
        contextSize: o.contextSize,
        prependBos: o.prependBos,
        maxTokens: o.maxTokens,
        onProgress,
      },
      summary: [
        ...notes,
        `backend: ${backend.description}; ${documents.length} documents, ${tokens} tokens of ${corpus.name}`,
      ].join('\n'),
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}

const corpusProgress =
  (events: AnalyzeIntoAtlasEvents): AnalyzeOptions['onProgress'] =>
  (p) =>
    p.phase === 'corpus'
      ? events.progress({ stage: 'corpus', done: p.done, total: p.total, unit: 'tokens' })
      : events.progress({ stage: 'summaries', done: p.done, total: p.total, unit: 'steps', detail: p.phase });

/** Corpus rows an analysis with these options covers: what the ranges of a split analysis must tile. */
export async function analysisRows(o: AnalyzeIntoAtlasOptions): Promise<number> {
  const prepared = await prepareAnalysis(o, undefined);
  try {
    return totalRows(prepared.analyzeOptions);
  } finally {
    prepared.dispose();
  }
}

/**
 * One worker's share of a split analysis: the evidence of corpus rows [range.start, range.end), written to
 * `partialOut` for `analyzeIntoAtlas({ mergePartials })`. Needs no database.
 */
export async function analyzeRangeToFile(
  o: AnalyzeIntoAtlasOptions,
  range: TokenRange,
  partialOut: string,
  events: AnalyzeIntoAtlasEvents,
): Promise<void> {
  const prepared = await prepareAnalysis(o, corpusProgress(events));
  try {
    await events.log(prepared.summary);
    const t0 = performance.now();
    const partial = await analyzeRange(prepared.analyzeOptions, range);
    writePartial(resolve(partialOut), partial);
    await events.log(
      `analysed rows [${partial.range.start}, ${partial.range.end}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; partial written to ${partialOut}`,
    );
  } finally {
    prepared.dispose();
  }
}

/**
 * Analyse and ingest; returns the dictionary's id. `database` is called once the folder, model and corpus (and
 * any partials to merge) have checked out, so a bad argument fails before an embedded database is started.
 */
export async function analyzeIntoAtlas(
  database: () => Promise<OpenDatabase>,
  o: AnalyzeIntoAtlasOptions,
  events: AnalyzeIntoAtlasEvents,
): Promise<number> {
  // Every progress report first checks the analysis claim, so a writer that lost it stops at its next report.
  let assertClaimHeld = () => {};
  const guarded: AnalyzeIntoAtlasEvents = {
    ...events,
    progress: (p) => {
      assertClaimHeld();
      events.progress(p);
    },
  };
  const { folder, sae, hook, model, backend, analyzeOptions, summary, dispose } = await prepareAnalysis(
    o,
    corpusProgress(guarded),
  );
  let releaseClaim = async () => {};
  try {
    const partials = o.mergePartials?.map((f) => readPartial(resolve(f)));
    if (partials) checkPartials(analyzeOptions, partials); // before the dictionary is marked as analysing
    const db = await database();
    await events.log(summary);
    const contentHash = saeContentHash(sae);
    const id =
      o.dictionaryId ??
      (await ensureDictionary(db.dataSource, folder, sae, {
        name: o.name,
        hook,
        contentHash,
        hyperparameters: sae.transcoder && transcoderHyperparameters(sae.transcoder),
      }));
    if (o.dictionaryId !== undefined) await setContentHash(db.dataSource, id, contentHash);
    await setDictionaryModel(db.dataSource, id, await ensureModel(db.dataSource, model));
    await events.dictionary?.(id);
    const held = await takeAnalysisLock(db.dataSource, id, { ...o.claim, waiting: events.waitingForClaim });
    releaseClaim = () => held.release();
    assertClaimHeld = () => held.assertHeld();
    await markAnalyzing(db.dataSource, id);
    const t0 = performance.now();
    const result = partials ? await mergePartials(analyzeOptions, partials) : await analyzeDictionary(analyzeOptions);
    const seconds = (performance.now() - t0) / 1000;
    await events.log(
      `analysed ${result.tokens} tokens in ${seconds.toFixed(1)} s (${Math.round(result.tokens / seconds)} tokens/s${partials ? ` after merging ${partials.length} partials` : ''}); map by ${result.mapMethod}`,
    );
    await events.log(
      `phases: ${Object.entries(result.timings)
        .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
    for (const note of result.notes) await events.log(note);
    events.analysed?.({ tokens: result.tokens, seconds, timings: result.timings });
    await events.ingesting?.(id);
    const ingested = await ingestDictionary(
      db,
      { id, dIn: sae.dIn, nLatents: sae.dSae },
      result.features,
      (f) => result.examples.get(f) ?? [],
      {
        resume: o.resumeIngest,
        fence: held.claim,
        onProgress: (p) =>
          guarded.progress({
            stage: 'ingest',
            done: p.features,
            total: p.totalFeatures,
            unit: 'features',
            detail: `${p.examples} examples`,
          }),
      },
    );
    await events.log(`ingested ${ingested.features} features and ${ingested.examples} examples`);
    // Family links compare decoder rows, so only dictionaries that write where this one writes.
    const hookOut = sae.transcoder?.hookNameOut ?? null;
    for (const other of await dictionariesOnHook(db.dataSource, id, hook, sae.dIn, hookOut)) {
      const otherDecoder = await readDecoder(db.dataSource, other.id, sae.dIn, other.nLatents);
      const aToB = await topCosineNeighboursOn(backend, sae.wDec, sae.dSae, otherDecoder, other.nLatents, sae.dIn, 3);
      const bToA = await topCosineNeighboursOn(backend, otherDecoder, other.nLatents, sae.wDec, sae.dSae, sae.dIn, 3);
      const n = await storeFeatureLinks(db, id, other.id, aToB, bToA);
      await events.log(`linked ${n} family pairs with dictionary ${other.id}`);
    }
    held.assertHeld();
    if (!(await finishAnalysis(db.dataSource, id, result, held.claim.token))) throw new AnalysisClaimLost(held.claim);
    if (result.ceLoss)
      await events.log(
        `CE loss: clean ${result.ceLoss.clean.toFixed(3)}, spliced ${result.ceLoss.spliced.toFixed(3)}, zero-ablated ${result.ceLoss.zeroAblated.toFixed(3)}: recovered ${result.ceLoss.recovered.toFixed(3)}`,
      );
    return id;
  } finally {
    await releaseClaim().catch(() => undefined); // a claim we could not release lapses by itself
    dispose();
  }
}
