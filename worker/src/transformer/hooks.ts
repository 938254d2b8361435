// Hook point names, TransformerLens style, and what each one measures.
import { AtlasError } from '../errors.js';
import type { Gpt2Config } from './config.js';

/**
 * The hook kinds a GPT-2 block exposes, in forward order; `{l}` is the layer. `ln2.hook_normalized` is LayerNorm 2's
 * output (·g + b), the MLP's input: what a transcoder reads.
 */
export const HOOK_KINDS = [
  'hook_resid_pre',
  'hook_attn_out',
  'hook_resid_mid',
  'ln2.hook_normalized',
  'mlp.hook_pre',
  'mlp.hook_post',
  'hook_mlp_out',
  'hook_resid_post',
] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** A parsed hook name. */
export interface HookPoint {
  name: string;
  layer: number;
  kind: HookKind;
}

/** Parse and check `blocks.{l}.<kind>` against a model; the error lists the valid names. */
export function parseHook(name: string, config: Gpt2Config): HookPoint {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  const kind = m?.[2] as HookKind | undefined;
  const valid = `blocks.{0..${config.nLayer - 1}}.{${HOOK_KINDS.join(',')}}`;
  if (!m || !HOOK_KINDS.includes(kind!))
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--hook '${name}' is not a hook point; use one of ${valid}, e.g. blocks.0.mlp.hook_post`,
    );
  const layer = Number(m[1]);
  if (layer >= config.nLayer)
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--hook '${name}': the model has ${config.nLayer} layer(s); use one of ${valid}`,
    );
  return { name, layer, kind: kind! };
}

/** Width of the activations at a hook point: the MLP width for mlp.*, else d_model. */
export function hookWidth(hook: HookPoint, config: Gpt2Config): number {
  return hook.kind.startsWith('mlp.') ? config.dMlp : config.dModel;
}
