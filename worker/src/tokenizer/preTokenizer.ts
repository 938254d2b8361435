// tokenizer.json pre-tokenizers: GPT-2's ByteLevel (its own regex), Llama 3 / Qwen2's Sequence of a regex Split and
// ByteLevel without regex, and SentencePiece-style Metaspace. Pieces are passed to a sink as they are found
// (no arrays on the hot path); each carries where its units lie in the normalized text.
import { AtlasError } from '../errors.js';
import { GPT2_PATTERN } from './byteLevel.js';
import { compileSplitPattern } from './onigurumaPattern.js';

/**
 * Receives one piece: its text and, per UTF-16 unit, its position in the normalized text: `start + i` when
 * `offsets` is null, else `offsets[i]` (-1 for a unit the pre-tokenizer inserted).
 */
export type PieceSink = (text: string, start: number, offsets: Int32Array | null) => void;

/** One pre-tokenization step; `sectionIndex` is the index of the text's section between added tokens. */
export type PreTokenizerStep = (
  text: string,
  start: number,
  offsets: Int32Array | null,
  sectionIndex: number,
  emit: PieceSink,
) => void;

/** What the model needs to know from the pre-tokenizer. */
export interface PreTokenizer {
  steps: PreTokenizerStep[];
  /** Pieces are mapped to GPT-2's byte alphabet before BPE (a ByteLevel step). */
  byteLevel: boolean;
}

const emitSlice = (text: string, start: number, offsets: Int32Array | null, a: number, b: number, emit: PieceSink) =>
  emit(text.slice(a, b), offsets ? 0 : start + a, offsets ? offsets.subarray(a, b) : null);

/** What a Split does with the matches of its pattern (the Rust crate's SplitDelimiterBehavior). */
type SplitBehavior = 'isolated' | 'removed' | 'merged_with_previous' | 'merged_with_next' | 'contiguous';
const SPLIT_BEHAVIORS = ['isolated', 'removed', 'merged_with_previous', 'merged_with_next', 'contiguous'];

/**
 * Split on a regex: matches as their own pieces ("Isolated"), dropped ("Removed"), joined to the piece before or
 * after, or runs of adjacent matches as one piece ("Contiguous"). @huggingface/tokenizers treats the last three as
 * "Isolated"; we follow the Rust crate, which the models were trained with.
 */
function splitStep(pattern: RegExp, behavior: SplitBehavior): PreTokenizerStep {
  return (text, start, offsets, _section, emit) => {
    // Pending piece [from, to), emitted when the next one starts.
    let from = 0;
    let to = 0;
    let pendingIsMatch = false;
    const flush = () => {
      if (to > from) emitSlice(text, start, offsets, from, to, emit);
    };
    const add = (a: number, b: number, isMatch: boolean) => {
      const join =
        to === a &&
        to > from &&
        ((behavior === 'merged_with_previous' && isMatch && !pendingIsMatch) ||
          (behavior === 'merged_with_next' && !isMatch && pendingIsMatch) ||
          (behavior === 'contiguous' && isMatch && pendingIsMatch));
      if (join) to = b;
      else {
        flush();
        from = a;
        to = b;
      }
      pendingIsMatch = isMatch;
    };
    let last = 0;
    for (const m of text.matchAll(pattern)) {
      const a = m.index!;
      const b = a + m[0].length;
      if (b === a) continue;
      if (a > last) add(last, a, false);
      if (behavior !== 'removed') add(a, b, true);
      last = b;
    }
    if (last < text.length) add(last, text.length, false);
    flush();
  };
}

/** Offsets of `text` with `prefix` inserted before it. */
function prefixed(text: string, start: number, offsets: Int32Array | null, prefix: string): Int32Array {
  const out = new Int32Array(prefix.length + text.length).fill(-1);
  for (let i = 0; i < text.length; i++) out[prefix.length + i] = offsets ? offsets[i] : start + i;
  return out;
}

/** ByteLevel: an optional leading space, then GPT-2's regex (when use_regex); the byte mapping happens in the model. */
function byteLevelStep(useRegex: boolean, addPrefixSpace: boolean): PreTokenizerStep {
  const pattern = new RegExp(GPT2_PATTERN.source, 'gu');
  return (text, start, offsets, _section, emit) => {
    if (addPrefixSpace && !text.startsWith(' ')) {
      offsets = prefixed(text, start, offsets, ' ');
      text = ' ' + text;
    }
    if (!useRegex) return emit(text, start, offsets);
    // Only matches become pieces, as String.prototype.match gives them (GPT-2's pattern matches every character).
    for (const m of text.matchAll(pattern)) emitSlice(text, start, offsets, m.index!, m.index! + m[0].length, emit);
  };
}

/** Metaspace: spaces become the replacement, which is prepended by the scheme; with split, a piece per word. */
function metaspaceStep(replacement: string, prependScheme: string, split: boolean): PreTokenizerStep {
  return (text, start, offsets, sectionIndex, emit) => {
    // One UTF-16 unit for one space, so offsets carry over unchanged.
    text = text.replaceAll(' ', replacement);
    if (
      !text.startsWith(replacement) &&
      (prependScheme === 'always' || (prependScheme === 'first' && sectionIndex === 0))
    ) {
      offsets = prefixed(text, start, offsets, replacement);
      text = replacement + text;
    }
    if (!split) return emit(text, start, offsets);
    // Split before each replacement character (Rust's MergedWithNext).
    let last = 0;
    for (let i = text.indexOf(replacement, 1); i >= 0; i = text.indexOf(replacement, i + 1)) {
      if (i > last) emitSlice(text, start, offsets, last, i, emit);
      last = i;
    }
    if (last < text.length) emitSlice(text, start, offsets, last, text.length, emit);
  };
}

interface PreTokenizerJson {
  type?: string;
  pretokenizers?: PreTokenizerJson[];
  pattern?: { String?: string; Regex?: string };
  behavior?: string;
  invert?: boolean;
  use_regex?: boolean;
  add_prefix_space?: boolean;
  replacement?: string;
  prepend_scheme?: string;
  split?: boolean;
  individual_digits?: boolean;
}

const SUPPORTED = 'ByteLevel, Metaspace, Split (invert false), Digits, or a Sequence of them with ByteLevel last';

/** The pre-tokenizer a tokenizer.json describes (`null`: the whole text is one piece). */
export function preTokenizerFromJson(json: unknown, where: string): PreTokenizer {
  const refuse = (what: string) =>
    new AtlasError('SOURCE_MALFORMED', `${where}: ${what}; the atlas reads pre_tokenizer ${SUPPORTED}, or none`);
  if (json === null || json === undefined) return { steps: [], byteLevel: false };
  const root = json as PreTokenizerJson;
  const list = root.type === 'Sequence' ? (root.pretokenizers ?? []) : [root];
  const steps: PreTokenizerStep[] = [];
  let byteLevel = false;
  list.forEach((p, i) => {
    if (byteLevel) throw refuse(`pre_tokenizer step ${i} (${p.type}) follows ByteLevel`);
    switch (p.type) {
      case 'ByteLevel':
        byteLevel = true;
        steps.push(byteLevelStep(p.use_regex ?? true, p.add_prefix_space ?? false));
        break;
      case 'Split': {
        if (p.invert) throw refuse('pre_tokenizer Split has invert true');
        // "MergedWithPrevious" in files, merged_with_previous in Python.
        const behavior = (p.behavior ?? 'Isolated').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        if (!SPLIT_BEHAVIORS.includes(behavior))
          throw refuse(`pre_tokenizer Split has behavior ${JSON.stringify(p.behavior)}`);
        let pattern: RegExp;
        if (typeof p.pattern?.Regex === 'string')
          pattern = compileSplitPattern(p.pattern.Regex, `${where} pre_tokenizer`);
        else if (typeof p.pattern?.String === 'string')
          pattern = new RegExp(p.pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
        else throw refuse('pre_tokenizer Split has no pattern.Regex or pattern.String');
        steps.push(splitStep(pattern, behavior as SplitBehavior));
        break;
      }
      case 'Digits':
        // ASCII digits, one per piece or runs, as pieces of their own (the Rust crate's is_ascii_digit).
        steps.push(splitStep(p.individual_digits ? /[0-9]/g : /[0-9]+/g, 'isolated'));
        break;
      case 'Metaspace': {
        const scheme = p.prepend_scheme ?? (p.add_prefix_space === false ? 'never' : 'always');
        if (!['always', 'first', 'never'].includes(scheme))
          throw refuse(`pre_tokenizer Metaspace has prepend_scheme ${JSON.stringify(scheme)}`);
        const replacement = p.replacement ?? '\u2581';
        if (replacement.length !== 1)
          throw refuse(
            `pre_tokenizer Metaspace has replacement ${JSON.stringify(replacement)} (one UTF-16 unit expected)`,
          );
        steps.push(metaspaceStep(replacement, scheme, p.split ?? true));
        break;
      }
      default:
        throw refuse(`pre_tokenizer type ${JSON.stringify(p.type)} is not supported`);
    }
  });
  return { steps, byteLevel };
}

/** Run the steps over one text, each step feeding the next; the last feeds `sink`. */
export function preTokenize(
  pre: PreTokenizer,
  text: string,
  start: number,
  sectionIndex: number,
  sink: PieceSink,
): void {
  let emit = sink;
  for (let k = pre.steps.length - 1; k >= 0; k--) {
    const step = pre.steps[k];
    const next = emit;
    emit = (t, s, o) => step(t, s, o, sectionIndex, next);
  }
  emit(text, start, null);
}
