// A token range's analysis state as one file, so ranges analysed by different workers merge into one result:
// `ATLASPART` + version, a JSON header (what was analysed, the options, the array layout), then flat
// little-endian typed arrays (8-byte aligned). Windows are stored bit-exact, so a merge equals a single pass.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AtlasError } from '../errors.js';
import type { EvidenceState } from './featureEvidence.js';
import type { LabelState } from './labelAssociation.js';

const MAGIC = 'ATLASPART1';

/** What a partial analysed: merges check these agree. */
export interface PartialSubject {
  dIn: number;
  dSae: number;
  architecture: string;
  /** TopK's k (null for other architectures). */
  k: number | null;
  /** A checksum of the decoder, so partials of different dictionaries are not merged. */
  decoderChecksum: number;
  hook: string;
  contextSize: number;
  prependBos: boolean;
  /** Rows of the whole analysis (every range's end is at most this). */
  totalRows: number;
}

/** One token range's evidence and label counts. */
export interface AnalysisPartial {
  subject: PartialSubject;
  /** Corpus rows [start, end) this partial owns. */
  range: { start: number; end: number };
  evidence: EvidenceState;
  labels: LabelState;
  /** Milliseconds per phase of the pass. */
  timings: Record<string, number>;
}

type Typed = Float64Array | Float32Array | Int32Array | Uint32Array;
const CTORS = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u32: Uint32Array } as const;
type Kind = keyof typeof CTORS;
const kindOf = (a: Typed): Kind =>
  a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'u32';

/** Write a partial to `file` (through a temporary name, so a reader never sees half a file). */
export function writePartial(file: string, p: AnalysisPartial): void {
  const ex = p.evidence.examples;
  const nEx = ex.length;
  let windowTokens = 0;
  for (const e of ex) windowTokens += e.example.tokenIds.length;
  const arrays: Record<string, Typed> = {
    fires: p.evidence.fires,
    sums: p.evidence.sums,
    maxima: p.evidence.maxima,
    hist: p.evidence.hist,
    joint: p.labels.joint,
    labelTokens: p.labels.labelTokens,
    labelFires: p.labels.fires,
    exFeature: new Int32Array(nEx),
    exKind: new Int32Array(nEx),
    exPriority: new Float64Array(nEx),
    exValue: new Float32Array(nEx),
    exRow: new Float64Array(nEx),
    exDoc: new Int32Array(nEx),
    exTokenStart: new Int32Array(nEx),
    exPosition: new Int32Array(nEx),
    exLength: new Int32Array(nEx),
    windowTokens: new Int32Array(windowTokens),
    windowActivations: new Float32Array(windowTokens),
  };
  let w = 0;
  ex.forEach(({ feature, kind, priority, example: e }, i) => {
    arrays.exFeature[i] = feature;
    arrays.exKind[i] = kind;
    arrays.exPriority[i] = priority;
    arrays.exValue[i] = e.value;
    arrays.exRow[i] = e.row;
    arrays.exDoc[i] = e.docIndex;
    arrays.exTokenStart[i] = e.tokenStart;
    arrays.exPosition[i] = e.position;
    arrays.exLength[i] = e.tokenIds.length;
    arrays.windowTokens.set(e.tokenIds, w);
    arrays.windowActivations.set(e.activations, w);
    w += e.tokenIds.length;
  });
  const layout: { name: string; kind: Kind; length: number; offset: number }[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    layout.push({ name, kind: kindOf(a), length: a.length, offset });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header = Buffer.from(
    JSON.stringify({
      subject: p.subject,
      range: p.range,
      options: p.evidence.options,
      tokens: p.evidence.tokens,
      families: p.labels.families,
      timings: p.timings,
      layout,
    }),
  );
  const headerLength = Math.ceil((MAGIC.length + 4 + header.length) / 8) * 8;
  const out = Buffer.alloc(headerLength + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  for (const { name, offset: o } of layout) {
    const a = arrays[name];
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, headerLength + o);
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, out);
  renameSync(tmp, file);
}

/** Read a partial written by `writePartial`. */
export function readPartial(file: string): AnalysisPartial {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `${file} is not a partial analysis (no ${MAGIC} header); write one with analyze --range … --partial-out`,
    );
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as {
    subject: PartialSubject;
    range: AnalysisPartial['range'];
    options: EvidenceState['options'];
    tokens: number;
    families: LabelState['families'];
    timings: Record<string, number>;
    layout: { name: string; kind: Kind; length: number; offset: number }[];
  };
  const base = Math.ceil((MAGIC.length + 4 + headerLength) / 8) * 8;
  const a: Record<string, Typed> = {};
  for (const { name, kind, length, offset } of header.layout) {
    const Ctor = CTORS[kind];
    const start = buf.byteOffset + base + offset;
    a[name] = new Ctor(buf.buffer.slice(start, start + length * Ctor.BYTES_PER_ELEMENT));
  }
  const examples: EvidenceState['examples'] = [];
  let w = 0;
  for (let i = 0; i < a.exFeature.length; i++) {
    const len = a.exLength[i];
    examples.push({
      feature: a.exFeature[i],
      kind: a.exKind[i] === 0 ? 0 : 1,
      priority: a.exPriority[i],
      example: {
        value: a.exValue[i],
        row: a.exRow[i],
        docIndex: a.exDoc[i],
        tokenStart: a.exTokenStart[i],
        position: a.exPosition[i],
        tokenIds: (a.windowTokens as Int32Array).slice(w, w + len),
        activations: (a.windowActivations as Float32Array).slice(w, w + len),
      },
    });
    w += len;
  }
  return {
    subject: header.subject,
    range: header.range,
    timings: header.timings,
    evidence: {
      options: header.options,
      tokens: header.tokens,
      fires: a.fires as Float64Array,
      sums: a.sums as Float64Array,
      maxima: a.maxima as Float32Array,
      hist: a.hist as Uint32Array,
      examples,
    },
    labels: {
      families: header.families,
      joint: a.joint as Uint32Array,
      labelTokens: a.labelTokens as Float64Array,
      fires: a.labelFires as Float64Array,
    },
  };
}
