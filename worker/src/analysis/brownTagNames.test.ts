import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseTag, brownTagName } from '@atlas/migrations';
import { brownDir, brownFiles } from '../sources/brown.js';

test('every tag of the Brown corpus, compound or not, and every base tag the analysis makes has a name', () => {
  const dir = brownDir();
  const tags = new Set<string>();
  for (const f of brownFiles(dir))
    for (const pair of readFileSync(join(dir, f), 'utf8').split(/\s+/)) {
      const slash = pair.lastIndexOf('/');
      if (slash > 0) tags.add(pair.slice(slash + 1));
    }
  assert.ok(tags.size > 400, `${tags.size} distinct tags`);
  // Two tags of the corpus are cut off (`fw-in+at-t`, `ppss+ber-n`): typos in the source, not tags.
  const missing = [...tags].filter((t) => !brownTagName(t) && !['fw-in+at-t', 'ppss+ber-n'].includes(t));
  assert.deepEqual(missing, []);
  const bases = [...new Set([...tags].map(baseTag))].filter((t) => !brownTagName(t));
  assert.deepEqual(bases, []);
});
