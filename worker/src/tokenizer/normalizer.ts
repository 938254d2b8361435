// tokenizer.json normalizers (NFC for Qwen2 and Pythia; Prepend("▁") + Replace(" ", "▁") for Llama 2-style files),
// each keeping, for every UTF-16 unit of its output, the span of its input the unit came from, so that a
// token's span can be traced back to the text the user gave.
import { AtlasError } from '../errors.js';
import { compileSplitPattern } from './onigurumaPattern.js';

/**
 * A normalized text. `from[j]`, `to[j]`: the input span [from, to) that output unit j came from (inserted units have
 * from = to). Both null when the output is the input unchanged.
 */
export interface Normalized {
  text: string;
  from: Int32Array | null;
  to: Int32Array | null;
}

export type Normalize = (text: string) => Normalized;

const unchanged = (text: string): Normalized => ({ text, from: null, to: null });

const identitySpans = (n: number) => {
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    from[i] = i;
    to[i] = i + 1;
  }
  return { from, to };
};

/** Input position of an output position p of `inner` (p may equal the output length). */
function positionIn(inner: Normalized, p: number, inputLength: number): number {
  if (!inner.from) return p;
  return p < inner.text.length ? inner.from[p] : inner.text.length > 0 ? inner.to![inner.text.length - 1] : inputLength;
}

/** outer ∘ inner: spans of outer's output in inner's input. */
function compose(inner: Normalized, outer: Normalized, inputLength: number): Normalized {
  if (!outer.from) return { text: outer.text, from: inner.from, to: inner.to };
  if (!inner.from) return outer;
  const n = outer.text.length;
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const a = outer.from[j];
    const b = outer.to![j];
    if (a === b) from[j] = to[j] = positionIn(inner, a, inputLength);
    else {
      from[j] = inner.from[a];
      to[j] = inner.to![b - 1];
    }
  }
  return { text: outer.text, from, to };
}

/** Replace each match of a global regex; a replacement as long as its match maps unit to unit, else to the whole match. */
function replaceAligned(text: string, pattern: RegExp, content: string): Normalized {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  let last = 0;
  let changed = false;
  for (const m of text.matchAll(pattern)) {
    const a = m.index!;
    const b = a + m[0].length;
    if (b === a) continue;
    changed = true;
    for (let i = last; i < a; i++) {
      from.push(i);
      to.push(i + 1);
    }
    out += text.slice(last, a) + content;
    for (let k = 0; k < content.length; k++) {
      if (content.length === b - a) {
        from.push(a + k);
        to.push(a + k + 1);
      } else {
        from.push(a);
        to.push(b);
      }
    }
    last = b;
  }
  if (!changed) return unchanged(text);
  for (let i = last; i < text.length; i++) {
    from.push(i);
    to.push(i + 1);
  }
  out += text.slice(last);
  return { text: out, from: Int32Array.from(from), to: Int32Array.from(to) };
}

// A starter and what composes onto it: combining marks and Hangul medial vowels / final consonants.
const COMPOSITION_UNIT = /\P{M}[\p{M}\u1160-\u11ff]*|[\p{M}\u1160-\u11ff]+/gu;

/** Unicode normalization, aligned unit by unit where a composition unit is unchanged, else to the whole unit. */
function unicodeAligned(text: string, form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Normalized {
  const whole = text.normalize(form);
  if (whole === text) return unchanged(text);
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (const m of text.matchAll(COMPOSITION_UNIT)) {
    const a = m.index!;
    const b = a + m[0].length;
    const n = m[0].normalize(form);
    out += n;
    for (let k = 0; k < n.length; k++) {
      if (n === m[0]) {
        from.push(a + k);
        to.push(a + k + 1);
      } else {
        from.push(a);
        to.push(b);
      }
    }
  }
  // Unit by unit normalization equals the whole text's in practice; where it does not, the whole text is one span.
  if (out !== whole) {
    const f = new Int32Array(whole.length);
    const t = new Int32Array(whole.length).fill(text.length);
    return { text: whole, from: f, to: t };
  }
  return { text: out, from: Int32Array.from(from), to: Int32Array.from(to) };
}

interface NormalizerJson {
  type?: string;
  normalizers?: unknown[];
  prepend?: string;
  pattern?: { String?: string; Regex?: string };
  content?: string;
}

const SUPPORTED = 'NFC, NFD, NFKC, NFKD, Prepend, Replace, Sequence';

/** The normalizer a tokenizer.json describes; null for none. */
export function normalizerFromJson(json: unknown, where: string): Normalize | null {
  if (json === null || json === undefined) return null;
  const j = json as NormalizerJson;
  switch (j.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = j.type;
      return (text) => unicodeAligned(text, form);
    }
    case 'Prepend': {
      const prepend = j.prepend ?? '';
      return (text) => {
        const { from, to } = identitySpans(text.length + prepend.length);
        for (let j2 = 0; j2 < from.length; j2++) {
          from[j2] = Math.max(0, j2 - prepend.length);
          to[j2] = j2 < prepend.length ? 0 : j2 - prepend.length + 1;
        }
        return { text: prepend + text, from, to };
      };
    }
    case 'Replace': {
      const content = j.content ?? '';
      let pattern: RegExp;
      if (typeof j.pattern?.String === 'string')
        pattern = new RegExp(j.pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
      else if (typeof j.pattern?.Regex === 'string')
        pattern = compileSplitPattern(j.pattern.Regex, `${where} normalizer`);
      else
        throw new AtlasError('SOURCE_MALFORMED', `${where}: normalizer Replace has no pattern.String or pattern.Regex`);
      return (text) => replaceAligned(text, pattern, content);
    }
    case 'Sequence': {
      const steps = (j.normalizers ?? []).map((n) => normalizerFromJson(n, where)).filter((n) => n !== null);
      return (text) => {
        let acc = unchanged(text);
        for (const step of steps) acc = compose(acc, step(acc.text), text.length);
        return acc;
      };
    }
    default:
      throw new AtlasError(
        'SOURCE_MALFORMED',
        `${where}: normalizer type ${JSON.stringify(j.type)} is not supported; the atlas reads ${SUPPORTED} (or none)`,
      );
  }
}
