import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brownCorpus, brownDir, brownFiles, parseBrownFile } from './brown.js';

test('the package ships all 500 Brown files, ca01 to cr09', () => {
  const files = brownFiles();
  assert.equal(files.length, 500);
  assert.equal(files[0], 'ca01');
  assert.equal(files[499], 'cr09');
});

test('ca01 parses into readable text whose word spans carry their tags', () => {
  const doc = parseBrownFile('ca01', readFileSync(join(brownDir(), 'ca01'), 'utf8'));
  assert.equal(doc.genre, 'news');
  assert.ok(
    doc.text.startsWith(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
    ),
    doc.text.slice(0, 200),
  );
  const words = doc.words!;
  const said = words.find((w) => doc.text.slice(w.start, w.end) === 'said')!;
  assert.equal(said.tag, 'vbd');
  assert.equal(doc.text.slice(words[1].start, words[1].end), 'Fulton');
  assert.equal(words[1].tag, 'np-tl');
  // Every span is exactly the (quote-normalised) word: nothing drifts over ~2,000 words.
  const raw = readFileSync(join(brownDir(), 'ca01'), 'utf8').split(/\s+/).filter(Boolean);
  assert.equal(words.length, raw.length);
  for (let i = 0; i < raw.length; i++) {
    const word = raw[i].slice(0, raw[i].lastIndexOf('/')).replace(/^(``|'')$/, '"');
    assert.equal(doc.text.slice(words[i].start, words[i].end), word);
  }
});

test('genres follow the second letter of the file name', async () => {
  const genres = new Map<string, string>();
  for await (const d of brownCorpus().documents()) genres.set(d.id[1], d.genre!);
  assert.equal(genres.size, 15);
  assert.equal(genres.get('k'), 'fiction');
  assert.equal(genres.get('r'), 'humor');
});
