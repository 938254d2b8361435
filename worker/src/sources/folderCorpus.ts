// Any folder of .txt / .jsonl files as a corpus. A .txt file is one document; each line of a .jsonl
// file is one document `{"text": "...", "id"?: "...", "genre"?: "..."}`. Files are read in sorted
// path order, recursively, so document indices are stable across runs.
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { AtlasError } from '../errors.js';
import type { Corpus, CorpusDocument } from './document.js';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (/\.(txt|jsonl)$/i.test(entry.name)) out.push(p);
  }
  return out.sort();
}

/** A folder (or a single .txt / .jsonl file) as a corpus. */
export function folderCorpus(path: string): Corpus {
  const root = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (err) {
    throw new AtlasError('SOURCE_NOT_FOUND', `corpus ${path}: no such file or folder; pass --corpus brown or a folder of .txt/.jsonl files`, {
      cause: err,
    });
  }
  const files = isDir ? listFiles(root) : [root];
  if (files.length === 0)
    throw new AtlasError('SOURCE_NOT_FOUND', `corpus ${path}: the folder holds no .txt or .jsonl files; add some or pass --corpus brown`);
  return {
    name: `folder:${root}`,
    async *documents(): AsyncGenerator<CorpusDocument> {
      for (const file of files) {
        const rel = isDir ? relative(root, file) : file.split('/').pop()!;
        if (file.toLowerCase().endsWith('.txt')) {
          yield { id: rel, text: readFileSync(file, 'utf8') };
          continue;
        }
        const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
        let lineNo = 0;
        for await (const line of lines) {
          lineNo++;
          if (line.trim() === '') continue;
          let row: unknown;
          try {
            row = JSON.parse(line);
          } catch {
            throw new AtlasError('SOURCE_MALFORMED', `${file}:${lineNo}: not valid JSON; each line must be {"text": "..."}`);
          }
          const r = row as { text?: unknown; id?: unknown; genre?: unknown };
          if (typeof r.text !== 'string')
            throw new AtlasError('SOURCE_MALFORMED', `${file}:${lineNo}: no string field "text"; each line must be {"text": "..."}`);
          yield {
            id: typeof r.id === 'string' ? r.id : `${rel}#${lineNo}`,
            text: r.text,
            genre: typeof r.genre === 'string' ? r.genre : undefined,
          };
        }
      }
    },
  };
}
