// The tokenized corpus kept next to activation shards (`documents.jsonl`), so every activation row's
// (document, token offset) leads back to its text: the analysis shows contexts, character spans, and
// per-token POS tags and genres for automatic labels. One JSON line per document, in corpus order.
import { createReadStream, existsSync, openSync, closeSync, writeSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AtlasError } from '../errors.js';
import type { BpeTokenizer } from '../tokenizer/bpe.js';
import type { CorpusDocument } from './document.js';

export const CORPUS_CACHE_FILE = 'documents.jsonl';

/** One tokenized document. `starts[i]`, `ends[i]`: character span of token i in `text`. */
export interface TokenizedDocument {
  /** Index in corpus order: the first column of `positions`. */
  doc: number;
  id: string;
  genre?: string;
  text: string;
  tokens: number[];
  starts: number[];
  ends: number[];
  /** Part-of-speech tag of the word each token falls in (null for whitespace or untagged text). */
  tags?: (string | null)[];
}

/** Tokenize a document and map its word-level tags onto tokens by character span. */
export function tokenizeDocument(tokenizer: BpeTokenizer, doc: CorpusDocument, index: number): TokenizedDocument {
  const enc = tokenizer.encode(doc.text);
  const out: TokenizedDocument = {
    doc: index,
    id: doc.id,
    genre: doc.genre,
    text: doc.text,
    tokens: Array.from(enc.ids),
    starts: Array.from(enc.starts),
    ends: Array.from(enc.ends),
  };
  if (doc.words) {
    const words = doc.words;
    const tags: (string | null)[] = [];
    let w = 0;
    for (let i = 0; i < enc.ids.length; i++) {
      // The token's first non-space character decides its word (GPT-2 tokens carry a leading space).
      let c = enc.starts[i];
      while (c < enc.ends[i] && /\s/.test(doc.text[c])) c++;
      while (w < words.length && words[w].end <= c) w++;
      tags.push(w < words.length && words[w].start <= c && c < enc.ends[i] ? words[w].tag : null);
    }
    out.tags = tags;
  }
  return out;
}

/** Streams tokenized documents to `<path>.partial`, renamed onto `path` by `finish()`. */
export class CorpusCacheWriter {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(`${path}.partial`, 'w');
  }
  append(doc: TokenizedDocument): void {
    writeSync(this.fd, JSON.stringify(doc) + '\n');
  }
  finish(): void {
    closeSync(this.fd);
    renameSync(`${this.path}.partial`, this.path);
  }
}

/** Read a corpus cache document by document (bounded memory). */
export async function* readCorpusCache(path: string): AsyncGenerator<TokenizedDocument> {
  if (!existsSync(path))
    throw new AtlasError('SOURCE_NOT_FOUND', `${path}: no tokenized corpus; re-run extract (it writes ${CORPUS_CACHE_FILE} next to the shards)`);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) yield JSON.parse(line) as TokenizedDocument;
}

/** Load a whole corpus cache into memory, indexed by document (for context look-ups during analysis). */
export async function loadCorpusCache(path: string): Promise<TokenizedDocument[]> {
  const docs: TokenizedDocument[] = [];
  for await (const d of readCorpusCache(path)) docs[d.doc] = d;
  return docs;
}

/** One token of a context window, with its text and character span in the document. */
export interface ContextToken {
  offset: number;
  id: number;
  text: string;
  start: number;
  end: number;
  tag: string | null;
}

/** Tokens [offset - before, offset + after] of a document, clipped to the document. */
export function tokenContext(doc: TokenizedDocument, offset: number, before: number, after: number): ContextToken[] {
  const out: ContextToken[] = [];
  for (let i = Math.max(0, offset - before); i <= Math.min(doc.tokens.length - 1, offset + after); i++)
    out.push({
      offset: i,
      id: doc.tokens[i],
      text: doc.text.slice(doc.starts[i], doc.ends[i]),
      start: doc.starts[i],
      end: doc.ends[i],
      tag: doc.tags?.[i] ?? null,
    });
  return out;
}
