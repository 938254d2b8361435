// Malformed activations fail up front (or at the first bad row) with the file, the row and the fix.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeNpy } from '../formats/npy.js';
import { writeSafetensors } from '../formats/safetensors.js';
import { openActivationSource } from './activationSource.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-acts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const folder = (): string => {
  const p = join(dir, `case${n++}`);
  mkdirSync(p);
  return p;
};
const rows = (count: number, d: number) => Float32Array.from({ length: count * d }, (_, i) => (i % 7) - 3);
const fixture = (name: string) => new URL(`../../test-fixtures/npy/${name}`, import.meta.url).pathname;

describe('openActivationSource', () => {
  it('reads a manifest folder with provenance, a bare .npy folder, a .npy file and a .safetensors file', () => {
    const a = folder();
    writeNpy(join(a, 'shard0.npy'), rows(5, 4), [5, 4]);
    writeNpy(join(a, 'shard1.npy'), rows(3, 4), [3, 4]);
    const provenance = {
      model: 'm',
      hook: 'blocks.0.hook_resid_post',
      tokenizer: 't',
      contextSize: 8,
      prependBos: false,
      corpus: 'c',
    };
    writeFileSync(
      join(a, 'manifest.json'),
      JSON.stringify({
        format: 'atlas-activations/1',
        dIn: 4,
        dtype: 'float32',
        totalRows: 8,
        shards: [
          { acts: 'shard0.npy', rows: 5 },
          { acts: 'shard1.npy', rows: 3 },
        ],
        provenance,
      }),
    );
    const s = openActivationSource(a);
    assert.equal(s.totalRows, 8);
    assert.equal(s.dIn, 4);
    assert.deepEqual(s.provenance, provenance);
    assert.deepEqual([...s.shards[1].readRows(1, 1)], [...rows(3, 4).subarray(4, 8)]);
    s.close();

    const b = folder();
    writeNpy(join(b, 'part10.npy'), rows(2, 3), [2, 3]);
    writeNpy(join(b, 'part9.npy'), rows(1, 3), [1, 3]);
    const sb = openActivationSource(b);
    assert.deepEqual(
      sb.shards.map((x) => x.path.split('/').pop()),
      ['part9.npy', 'part10.npy'],
      'numeric order',
    );
    sb.close();

    const sf = openActivationSource(join(b, 'part10.npy'));
    assert.equal(sf.totalRows, 2);
    sf.close();

    const st = join(folder(), 'acts.safetensors');
    writeSafetensors(st, {
      acts: { data: rows(4, 2), shape: [4, 2], dtype: 'float16' },
      other: { data: [1], shape: [1] },
    });
    const ss = openActivationSource(st);
    assert.equal(ss.dIn, 2);
    assert.deepEqual([...ss.shards[0].readRows(0, 1)], [-3, -2]);
    ss.close();
  });

  it('names a missing path', () => {
    assert.throws(
      () => openActivationSource(join(dir, 'nope')),
      /SOURCE_NOT_FOUND|--acts .*nope does not exist; pass a \.npy/,
    );
  });

  it('rejects a wrong dtype', () => {
    const p = join(folder(), 'ids.npy');
    writeNpy(p, [1, 2, 3, 4], [2, 2], 'int32');
    assert.throws(
      () => openActivationSource(p),
      /ids\.npy: dtype int32 is not an activation dtype \(expected float32 or float16\)/,
    );
  });

  it('rejects a 1-D array and shards of different widths', () => {
    const p = join(folder(), 'flat.npy');
    writeNpy(p, [1, 2, 3], [3]);
    assert.throws(() => openActivationSource(p), /flat\.npy: shape \[3\] is not \[rows, dIn\]/);
    const f = folder();
    writeNpy(join(f, 'a.npy'), rows(2, 4), [2, 4]);
    writeNpy(join(f, 'b.npy'), rows(2, 5), [2, 5]);
    assert.throws(() => openActivationSource(f), /b\.npy: shape \[2, 5\] but dIn=4 was expected/);
  });

  it('rejects a truncated file', () => {
    const f = folder();
    copyFileSync(fixture('truncated.npy'), join(f, 'truncated.npy'));
    assert.throws(() => openActivationSource(join(f, 'truncated.npy')), /truncated\.npy: truncated/);
  });

  it('rejects a manifest that disagrees with its shards', () => {
    const f = folder();
    writeNpy(join(f, 's.npy'), rows(3, 4), [3, 4]);
    writeFileSync(
      join(f, 'manifest.json'),
      JSON.stringify({
        format: 'atlas-activations/1',
        dIn: 4,
        dtype: 'float32',
        totalRows: 3,
        shards: [{ acts: 's.npy', rows: 5 }],
      }),
    );
    assert.throws(() => openActivationSource(f), /s\.npy: has 3 rows but manifest\.json says 5/);
    writeFileSync(
      join(f, 'manifest.json'),
      JSON.stringify({
        format: 'atlas-activations/1',
        dIn: 8,
        dtype: 'float32',
        totalRows: 3,
        shards: [{ acts: 's.npy', rows: 3 }],
      }),
    );
    assert.throws(() => openActivationSource(f), /s\.npy: shape \[3, 4\] but dIn=8 was expected/);
    writeFileSync(join(f, 'manifest.json'), JSON.stringify({ format: 'atlas-activations/2' }));
    assert.throws(
      () => openActivationSource(f),
      /manifest\.json: format: .*expected the atlas-activations\/1 manifest/,
    );
    writeFileSync(join(f, 'manifest.json'), '{oops');
    assert.throws(() => openActivationSource(f), /manifest\.json: not valid JSON/);
  });

  it('names the file, row and column of a NaN or Inf when it is read', () => {
    const f = folder();
    const good = rows(4, 3);
    const bad = rows(6, 3);
    bad[4 * 3 + 1] = NaN;
    writeNpy(join(f, 'a.npy'), good, [4, 3]);
    writeNpy(join(f, 'b.npy'), bad, [6, 3]);
    const s = openActivationSource(f);
    assert.doesNotThrow(() => s.shards[1].readRows(0, 4));
    assert.throws(() => s.shards[1].readRows(2, 4), /b\.npy: row 4, column 1 is NaN; activations must be finite/);
    s.close();
    const inf = join(folder(), 'inf.npy');
    const v = rows(2, 2);
    v[3] = -Infinity;
    writeNpy(inf, v, [2, 2]);
    const si = openActivationSource(inf);
    assert.throws(() => si.shards[0].readRows(0, 2), /inf\.npy: row 1, column 1 is -Infinity/);
    si.close();
  });
});
