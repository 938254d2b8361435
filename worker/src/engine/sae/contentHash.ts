// A dictionary's identity by content: the same weights with the same settings hash the same wherever the folder
// lies and whichever format holds them (SAELens or sparsify), so a moved or copied atlas recognises its
// dictionaries and a deleted one can be remembered (issue 13, item 3).
import { createHash } from 'node:crypto';
import type { ExternalSae } from './loadExternalSae.js';

/**
 * `sha256:<hex>` of the settings that shape the dictionary (architecture, widths, k, and the hook and model its
 * files name) and its weights.
 */
export function saeContentHash(
  sae: Pick<
    ExternalSae,
    | 'architecture'
    | 'dIn'
    | 'dSae'
    | 'k'
    | 'applyBDecToInput'
    | 'wEnc'
    | 'bEnc'
    | 'wDec'
    | 'bDec'
    | 'threshold'
    | 'transcoder'
  > & { hookName: string | null; modelName: string | null },
): string {
  const hash = createHash('sha256');
  const settings = {
    architecture: sae.architecture,
    dIn: sae.dIn,
    dSae: sae.dSae,
    k: sae.k ?? null,
    applyBDecToInput: sae.applyBDecToInput,
    hook: sae.hookName,
    model: sae.modelName,
    // Only for transcoders, so an SAE's hash is what it was before transcoders existed.
    ...(sae.transcoder && {
      transcoder: sae.transcoder.architecture,
      dOut: sae.transcoder.dOut,
      hookOut: sae.transcoder.hookNameOut,
    }),
  };
  hash.update(JSON.stringify(settings));
  for (const [name, tensor] of Object.entries({
    wEnc: sae.wEnc,
    bEnc: sae.bEnc,
    wDec: sae.wDec,
    bDec: sae.bDec,
    threshold: sae.threshold,
    wSkip: sae.transcoder?.wSkip,
  })) {
    if (!tensor) continue;
    hash.update(`\0${name}:${tensor.length}\0`);
    hash.update(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}
