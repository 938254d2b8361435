// tokenizer.json `Split` patterns are Oniguruma regular expressions (the Rust `tokenizers` crate compiles them
// with onig). JavaScript's RegExp differs in the constructs those files use: inline case-insensitive groups
// `(?i:…)` (Llama 3, Qwen2), `\s` (Oniguruma: the White_Space property; JS adds U+FEFF and misses U+0085),
// `\d`/`\w` (Unicode in Oniguruma, ASCII in JS) and `.` (Oniguruma excludes only \n). We rewrite those the way
// @huggingface/tokenizers does, so ids agree with it, and refuse the rest with a message naming the construct.
import { AtlasError } from '../errors.js';

// Oniguruma's \w: letters, marks, decimal digits, connector punctuation.
const WORD_CHARS = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}';

/** Replacements of backslash escapes outside a character class. */
const ESCAPES: Record<string, string> = {
  s: '\\p{White_Space}',
  S: '\\P{White_Space}',
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: `[${WORD_CHARS}]`,
  W: `[^${WORD_CHARS}]`,
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  h: '[0-9A-Fa-f]',
};

/** Replacements of backslash escapes inside a character class. */
const CLASS_ESCAPES: Record<string, string> = {
  s: '\\p{White_Space}',
  S: '\\P{White_Space}',
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: WORD_CHARS,
  h: '0-9A-Fa-f',
};

const isAsciiLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** Compile a tokenizer.json Split regex (Oniguruma syntax) as a global Unicode JavaScript RegExp. */
export function compileSplitPattern(source: string, where: string): RegExp {
  const refuse = (what: string) =>
    new AtlasError(
      'SOURCE_MALFORMED',
      `${where}: the Split pattern ${JSON.stringify(source)} uses ${what}, which the atlas cannot translate to a ` +
        'JavaScript regular expression; supported: literals, classes, \\p{…}, \\s \\d \\w and their complements, ' +
        'groups, lookarounds, (?i:…) over ASCII literals, quantifiers',
    );
  let out = '';
  let inClass = false;
  // One entry per open group: whether it switched on case folding.
  const groups: boolean[] = [];
  let fold = false;
  for (let i = 0; i < source.length;) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) throw refuse('a trailing backslash');
      if ((next === 'p' || next === 'P') && source[i + 2] === '{') {
        const close = source.indexOf('}', i);
        if (close < 0) throw refuse('an unterminated \\p{');
        out += source.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      const table = inClass ? CLASS_ESCAPES : ESCAPES;
      if (table[next] !== undefined) out += table[next];
      else if ('GbBZ'.includes(next)) throw refuse(`the escape \\${next}`);
      else out += `\\${next}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[') throw refuse('a nested character class');
      if (c === '&' && source[i + 1] === '&') throw refuse('a class intersection (&&)');
      if (fold && isAsciiLetter(c)) throw refuse('a character class inside (?i:…)');
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += c;
        // A ']' right after '[' or '[^' is a literal in Oniguruma.
        if (source[i + 1] === '^') {
          out += '^';
          i++;
        }
        if (source[i + 1] === ']') {
          out += '\\]';
          i++;
        }
        i++;
        continue;
      case '(':
        if (source.startsWith('(?i:', i)) {
          groups.push(fold);
          fold = true;
          out += '(?:';
          i += 4;
        } else if (source.startsWith('(?>', i)) {
          // Atomic group: @huggingface/tokenizers treats it as a plain group; so do we.
          groups.push(fold);
          out += '(?:';
          i += 3;
        } else if (source[i + 1] === '?' && !/^\(\?(?:[:=!]|<[=!])/.test(source.slice(i))) {
          throw refuse(`the group ${JSON.stringify(source.slice(i, i + 4))}`);
        } else {
          groups.push(fold);
          out += c;
          i++;
        }
        continue;
      case ')':
        fold = groups.pop() ?? false;
        out += c;
        i++;
        continue;
      case '.':
        out += '[^\\n]';
        i++;
        continue;
      case '^':
        out += '(?:(?<![\\s\\S])|(?<=\\n))';
        i++;
        continue;
      case '$':
        out += '(?:(?=\\n)|(?![\\s\\S]))';
        i++;
        continue;
      case '+':
      case '*':
      case '?':
        out += c;
        i++;
        // Possessive quantifiers (x++, x*+, x?+) become greedy ones, as in @huggingface/tokenizers.
        if (source[i] === '+') i++;
        continue;
      case '{': {
        const m = /^\{(\d*),?(\d*)\}/.exec(source.slice(i));
        if (m && m[1] === '' && m[0].includes(',')) {
          out += `{0,${m[2]}}`;
          i += m[0].length;
          continue;
        }
        out += c;
        i++;
        continue;
      }
      default:
        out += fold && isAsciiLetter(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
        i++;
    }
  }
  try {
    return new RegExp(out, 'gu');
  } catch (err) {
    throw refuse(`a construct JavaScript rejects (${(err as Error).message})`);
  }
}
