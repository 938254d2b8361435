// Hook point names, TransformerLens style, and what each one measures, for every model family.
import { AtlasError } from '../errors.js';
import { headDim, type ModelConfig } from './config.js';

/**
 * The hook kinds a block exposes, in forward order; `{l}` is the layer. `attn.hook_z` is the per-head attention
 * output before the output projection (heads side by side, nHead·dHead wide). `ln2.hook_normalized` is the MLP's
 * input after its norm: what a transcoder reads. For a SwiGLU MLP (Llama family), `mlp.hook_pre` is the gate's
 * pre-activation, `mlp.hook_pre_linear` the up projection and `mlp.hook_post` act(gate)·up, as TransformerLens
 * names them.
 */
export const HOOK_KINDS = [
  'hook_resid_pre',
  'attn.hook_z',
  'hook_attn_out',
  'hook_resid_mid',
  'ln2.hook_normalized',
  'mlp.hook_pre',
  'mlp.hook_pre_linear',
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

/** The kinds this model has: no up projection outside SwiGLU, no resid_mid where attention and MLP run in parallel. */
export function hookKinds(config: ModelConfig): HookKind[] {
  return HOOK_KINDS.filter(
    (k) =>
      (k !== 'mlp.hook_pre_linear' || config.family === 'llama' || config.family === 'gemma2') &&
      (k !== 'hook_resid_mid' || !(config.family === 'neox' && config.parallelResidual)),
  );
}

/** Parse and check `blocks.{l}.<kind>` against a model; the error lists the valid names. */
export function parseHook(name: string, config: ModelConfig): HookPoint {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  const kind = m?.[2] as HookKind | undefined;
  const kinds = hookKinds(config);
  const valid = `blocks.{0..${config.nLayer - 1}}.{${kinds.join(',')}}`;
  if (m && kind === 'hook_resid_mid' && !kinds.includes(kind))
    throw new AtlasError(
      'ARGUMENT_INVALID',
      `--hook '${name}': this model adds attention and MLP to the residual in parallel (use_parallel_residual), so it has no hook_resid_mid; use hook_resid_pre or hook_resid_post`,
    );
  if (!m || !kinds.includes(kind!))
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

/** Width of the activations at a hook point: the MLP width for mlp.*, nHead·dHead for attn.hook_z, else d_model. */
export function hookWidth(hook: HookPoint, config: ModelConfig): number {
  if (hook.kind === 'attn.hook_z') return config.nHead * headDim(config);
  return hook.kind.startsWith('mlp.') ? config.dMlp : config.dModel;
}
