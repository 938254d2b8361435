import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AtlasError } from '../errors.js';
import { folderCorpus } from './folderCorpus.js';

async function collect(c: ReturnType<typeof folderCorpus>) {
  const out = [];
  for await (const d of c.documents()) out.push(d);
  return out;
}

test('a folder of .txt and .jsonl files yields documents in sorted path order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'b.txt'), 'second file');
  writeFileSync(join(dir, 'a.jsonl'), '{"text":"one","genre":"x"}\n\n{"text":"two","id":"doc-2"}\n');
  writeFileSync(join(dir, 'sub', 'c.txt'), 'nested');
  writeFileSync(join(dir, 'ignored.csv'), 'no');
  const docs = await collect(folderCorpus(dir));
  assert.deepEqual(
    docs.map((d) => [d.id, d.text, d.genre]),
    [
      ['a.jsonl#1', 'one', 'x'],
      ['doc-2', 'two', undefined],
      ['b.txt', 'second file', undefined],
      ['sub/c.txt', 'nested', undefined],
    ],
  );
});

test('a .jsonl line without text names the file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  writeFileSync(join(dir, 'bad.jsonl'), '{"text":"ok"}\n{"body":"no"}\n');
  await assert.rejects(collect(folderCorpus(dir)), (err: AtlasError) => {
    assert.equal(err.code, 'SOURCE_MALFORMED');
    assert.match(err.message, /bad\.jsonl:2: no string field "text"/);
    return true;
  });
});

test('a missing corpus path says what to pass instead', () => {
  assert.throws(() => folderCorpus('/nonexistent/corpus'), /SOURCE_NOT_FOUND|no such file or folder; pass --corpus brown/);
});
