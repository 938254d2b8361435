import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { trainBpe } from '../tokenizer/trainBpe.js';
import { brownCorpus } from './brown.js';
import { CorpusCacheWriter, loadCorpusCache, tokenContext, tokenizeDocument } from './corpusCache.js';

test('Brown POS tags land on the tokens of their words, and contexts come back from the cache', async () => {
  const docs = [];
  for await (const d of brownCorpus({ limit: 3 }).documents()) docs.push(d);
  const tok = trainBpe(docs.map((d) => d.text), { vocabSize: 600 });
  const t = tokenizeDocument(tok, docs[0], 0);
  assert.equal(t.tags!.length, t.tokens.length);
  // "said" (vbd) in the first sentence: every token inside it carries vbd.
  const said = docs[0].text.indexOf(' said') + 1;
  const inSaid = t.starts.map((s, i) => i).filter((i) => t.ends[i] > said && t.starts[i] < said + 4);
  assert.ok(inSaid.length >= 1);
  for (const i of inSaid) assert.equal(t.tags![i], 'vbd');
  assert.equal(t.tags![0], 'at'); // "The"
  const dir = mkdtempSync(join(tmpdir(), 'cache-'));
  const w = new CorpusCacheWriter(join(dir, 'documents.jsonl'));
  for (let i = 0; i < docs.length; i++) w.append(tokenizeDocument(tok, docs[i], i));
  w.finish();
  const back = await loadCorpusCache(join(dir, 'documents.jsonl'));
  assert.equal(back.length, 3);
  assert.equal(back[2].genre, 'news');
  const ctx = tokenContext(back[0], inSaid[0], 3, 2);
  assert.equal(ctx.length, 6);
  assert.equal(ctx[3].offset, inSaid[0]);
  assert.equal(ctx.map((c) => c.text).join(''), back[0].text.slice(ctx[0].start, ctx[5].end));
});
