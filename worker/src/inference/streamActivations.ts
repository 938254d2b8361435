// Tokenized documents -> model windows -> activation rows at one hook, as a stream of batches. Shared by
// extraction (which writes the rows to shards) and the analysis pass (which feeds them to a dictionary
// without touching disk). Rows are numbered in corpus order; the numbering does not depend on batch size.
import { hookWidth, parseHook } from '../transformer/hooks.js';
import type { LoadedModel } from '../transformer/modelFolder.js';
import { hookRunner } from '../transformer/hookRunner.js';

/** What the stream reads of a tokenized document (sources' `TokenizedDocument` is one): its index and token ids. */
export interface TokenIds {
  doc: number;
  tokens: number[];
}

export interface StreamOptions {
  model: LoadedModel;
  documents: AsyncIterable<TokenIds> | Iterable<TokenIds>;
  hook: string;
  /** More hooks read in the same forward pass, their rows at the same positions (`ActivationBatch.extra`). */
  extraHooks?: readonly string[];
  /** Tokens per window including BOS. */
  contextSize: number;
  /** Start every window with this token (its row is not emitted); undefined: no BOS. */
  bosId?: number;
  /** Windows per forward pass. */
  batchSize: number;
  /** Emit rows [skipRows, maxRows) of the corpus order; windows wholly before skipRows are not run. */
  skipRows?: number;
  maxRows?: number;
}

/** A batch of consecutive rows. acts: [n, dIn] row-major; tokens: [n]; positions: [n, 2] = (document, offset). */
export interface ActivationBatch {
  firstRow: number;
  acts: Float32Array;
  tokens: Int32Array;
  positions: Int32Array;
  /** Each of `extraHooks`: [n, its width], row for row with `acts`. */
  extra: Record<string, Float32Array>;
}

/** Run the model over documents window by window and yield the hook's activations in corpus order. */
export async function* streamActivations(o: StreamOptions): AsyncGenerator<ActivationBatch> {
  const { model } = o;
  const hook = parseHook(o.hook, model.config);
  const dIn = hookWidth(hook, model.config);
  const extraHooks = (o.extraHooks ?? []).map((name) => {
    const h = parseHook(name, model.config);
    return { name, width: hookWidth(h, model.config) };
  });
  const ctx = o.contextSize;
  const p0 = o.bosId === undefined ? 0 : 1;
  const perWindow = ctx - p0;
  const skipRows = o.skipRows ?? 0;
  const maxRows = o.maxRows ?? Infinity;
  type Window = { doc: number; offset: number; tokens: number[]; rowStart: number };
  let batch: Window[] = [];

  const runner = await hookRunner(model);

  const run = async (): Promise<ActivationBatch | null> => {
    if (batch.length === 0) return null;
    const ids = new Int32Array(batch.length * ctx).fill(o.bosId ?? 0);
    batch.forEach((w, b) => ids.set(w.tokens, b * ctx + p0));
    const result = await runner.run(ids, batch.length, ctx, {
      hooks: [hook.name, ...extraHooks.map((h) => h.name)],
    });
    const all = result.hooks[hook.name];
    let n = 0;
    for (const w of batch) n += w.tokens.length - Math.max(0, skipRows - w.rowStart);
    const out: ActivationBatch = {
      firstRow: Math.max(skipRows, batch[0].rowStart),
      acts: new Float32Array(n * dIn),
      tokens: new Int32Array(n),
      positions: new Int32Array(n * 2),
      extra: Object.fromEntries(extraHooks.map((h) => [h.name, new Float32Array(n * h.width)])),
    };
    let r = 0;
    batch.forEach((w, b) => {
      // Rows before skipRows were produced by an earlier run.
      const first = Math.max(0, skipRows - w.rowStart);
      const len = w.tokens.length - first;
      const row = b * ctx + p0 + first;
      out.acts.set(all.subarray(row * dIn, (row + len) * dIn), r * dIn);
      for (const h of extraHooks)
        out.extra[h.name].set(result.hooks[h.name].subarray(row * h.width, (row + len) * h.width), r * h.width);
      for (let i = 0; i < len; i++) {
        out.tokens[r + i] = w.tokens[first + i];
        out.positions[2 * (r + i)] = w.doc;
        out.positions[2 * (r + i) + 1] = w.offset + first + i;
      }
      r += len;
    });
    batch = [];
    return out;
  };

  let rowStart = 0;
  outer: for await (const doc of o.documents) {
    for (let off = 0; off < doc.tokens.length; off += perWindow) {
      if (rowStart >= maxRows) break outer;
      const len = Math.min(perWindow, doc.tokens.length - off, maxRows - rowStart);
      if (rowStart + len > skipRows) {
        batch.push({ doc: doc.doc, offset: off, tokens: doc.tokens.slice(off, off + len), rowStart });
        if (batch.length >= o.batchSize) {
          yield (await run())!;
          // A forward pass blocks (dataSync): let pending I/O run between batches, such as a job's lease renewal.
          await new Promise((r) => setImmediate(r));
        }
      }
      rowStart += len;
    }
  }
  const last = await run();
  if (last) yield last;
}
