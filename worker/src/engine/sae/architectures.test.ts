// Every registered architecture trains on synthetic data: FVU falls well below its starting value and the
// variant's own sparsity mechanism does what it says.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadBackend } from '../backendRegistry.js';
import { mmcs } from '../metrics.js';
import { syntheticArray } from '../syntheticSet.js';
import { trainOnArray } from '../trainRun.js';
import type { CurvePoint } from '../train.js';
import { architectureNames, getArchitecture } from './registry.js';

const backend = await loadBackend('auto', { threads: 2 });
after(() => backend.dispose());

const d = 16;
const F = 48;
const samples = 16_384;
const { data, features } = syntheticArray({ d, features: F, l0: 3, samples, seed: 11 });

const options: Record<string, Record<string, unknown>> = {
  topk: { k: 3 },
  batchtopk: { k: 3 },
  relu: { l1Coefficient: 1 },
  jumprelu: { l0Coefficient: 0.5, bandwidth: 0.1 },
};

describe('architectures', () => {
  it('registry lists the five variants and rejects unknown names', () => {
    assert.deepEqual(architectureNames().sort(), ['batchtopk', 'jumprelu', 'relu', 'topk', 'transcoder']);
    assert.throws(
      () => getArchitecture('gated'),
      /--arch gated is unknown; use one of topk, batchtopk, relu, jumprelu, transcoder/,
    );
  });

  // The transcoder trains on paired rows (transcoder.test.ts); these reconstruct their input.
  for (const arch of architectureNames().filter((a) => !getArchitecture(a).transcodes)) {
    it(`${arch} trains: FVU drops and the dictionary finds the features`, async () => {
      const curves: CurvePoint[] = [];
      const t = await trainOnArray(
        backend,
        data,
        samples,
        d,
        { arch, dSae: 64, archOptions: options[arch], batchSize: 512, tokens: samples * 6, lr: 0.005, seed: 2 },
        (s) => curves.push(s),
      );
      const first = curves[0];
      const last = curves[curves.length - 1];
      assert.ok(
        last.fvu < 0.5 * first.fvu,
        `${arch}: FVU ${first.fvu.toFixed(3)} → ${last.fvu.toFixed(3)} should halve`,
      );
      assert.ok(last.fvu < 0.4, `${arch}: final FVU ${last.fvu.toFixed(3)}`);
      const score = mmcs(features, F, t.params.wDec, 64, d);
      // Short runs (192 steps); JumpReLU's thresholds are still settling, hence its lower bar.
      assert.ok(score > (arch === 'jumprelu' ? 0.55 : 0.7), `${arch}: MMCS ${score.toFixed(3)}`);
      if (arch === 'topk') assert.ok(last.l0 <= 3);
      if (arch === 'batchtopk') {
        const meanL0 = curves.slice(-10).reduce((a, c) => a + c.l0, 0) / 10;
        assert.ok(Math.abs(meanL0 - 3) < 0.3, `batchtopk: mean L0 ${meanL0} ≈ k`);
        assert.ok(t.params.extra.threshold[0] > 0, 'batchtopk learns an inference threshold');
      }
      if (arch === 'jumprelu') {
        const theta = t.params.extra.threshold;
        const moved = theta.filter((v) => v > 0.1).length;
        assert.ok(moved > 32, `jumprelu: ${moved} of 64 thresholds rose from 0.001 past 0.1`);
        assert.ok(last.l0 < 12, `jumprelu: L0 ${last.l0} is sparse`);
      }
      if (arch === 'relu') assert.ok(last.l0 < 20, `relu: L0 ${last.l0} is sparse under the L1 penalty`);
    });
  }
});
