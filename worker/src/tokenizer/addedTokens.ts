// Added tokens (`added_tokens` of tokenizer.json: `<|endoftext|>`, `<s>`, Pythia's runs of spaces, ...) are found in
// the text before the model sees it: leftmost match first, the longest at a position (the Rust crate's
// aho-corasick LeftmostLongest; @huggingface/tokenizers' trie). `lstrip`/`rstrip` swallow the whitespace beside a
// match. `single_word` is not honoured, as @huggingface/tokenizers does not honour it either.

/** A token of `added_tokens`: matched literally in text, never split. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  /** Matched in the normalized text (true) or the raw text (false). */
  normalized?: boolean;
}

/** A stretch of text: an added token, or text for the model, with its span [start, end). */
export interface Segment {
  token: AddedToken | null;
  start: number;
  end: number;
}

export class AddedTokenMatcher {
  private readonly pattern: RegExp | null;
  private readonly byContent: Map<string, AddedToken>;

  /** `patterns`: the string to find for each token (its content, or its normalized content). */
  constructor(patterns: [string, AddedToken][]) {
    const usable = patterns.filter(([s]) => s.length > 0);
    this.byContent = new Map(usable);
    // Longest first, so that at one position the alternation takes the longest match.
    const sorted = [...this.byContent.keys()].sort((a, b) => b.length - a.length);
    const escaped = sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : null;
  }

  /** Split text into added tokens and the text between them, with lstrip/rstrip applied. */
  split(text: string): Segment[] {
    if (!this.pattern) return text.length > 0 ? [{ token: null, start: 0, end: text.length }] : [];
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(this.pattern)) {
      const end = m.index + m[0].length;
      if (m.index > last) out.push({ token: null, start: last, end: m.index });
      out.push({ token: this.byContent.get(m[0])!, start: m.index, end });
      last = end;
    }
    if (last < text.length) out.push({ token: null, start: last, end: text.length });
    for (let i = 0; i < out.length; i++) {
      const t = out[i].token;
      if (!t) continue;
      const before = out[i - 1];
      if (t.lstrip && before && !before.token) {
        while (before.end > before.start && /\s/.test(text[before.end - 1])) before.end--;
        out[i].start = before.end;
      }
      const after = out[i + 1];
      if (t.rstrip && after && !after.token) {
        while (after.start < after.end && /\s/.test(text[after.start])) after.start++;
        out[i].end = after.start;
      }
    }
    return out;
  }
}
