// A small dictionary for the job tests: random TopK weights on the builtin model's MLP (d_mlp 512), with the
// provenance a SAELens folder trained on it would carry, so it is analysed like any other.
import { mkdirSync } from 'node:fs';
import { Rng } from '../../engine/rng.js';
import { writeSaelens } from '../../engine/sae/saelensFormat.js';

/** Latents of the tiny dictionary. */
export const TINY_SAE_LATENTS = 64;

/** Write the tiny dictionary's SAELens folder at `dir`. */
export function writeTinySae(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const dIn = 512;
  const dSae = TINY_SAE_LATENTS;
  const rng = new Rng(5);
  writeSaelens(
    dir,
    {
      architecture: 'topk',
      dIn,
      dSae,
      k: 4,
      wEncT: rng.normals(dSae * dIn, 0.05),
      bEnc: new Float32Array(dSae),
      wDec: rng.normals(dSae * dIn, 0.05),
      bDec: new Float32Array(dIn),
      scale: 1,
    },
    {
      provenance: {
        model: 'builtin:tiny-brown',
        hook: 'blocks.0.mlp.hook_post',
        tokenizer: 'builtin',
        contextSize: 64,
        prependBos: true,
        corpus: 'brown',
      },
    },
  );
}
