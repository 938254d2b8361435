// `worker steer`: continue a prompt with and without interventions on a dictionary's features, side by side.
import type { Command } from 'commander';
import { AtlasError } from '../../errors.js';
import { integerFlag, numberFlag, parseNumber } from '../parseArgs.js';

const collectFeature = (value: string, previous: number[]) => [
  ...previous,
  parseNumber('--feature', value, { integer: true, min: 0 }),
];
const collectStrength = (value: string, previous: number[]) => [...previous, parseNumber('--strength', value)];
const positionList = (value: string) =>
  value.split(',').map((p) => parseNumber('--positions', p, { integer: true, min: 0 }));

/** steer()'s request fields in a refusal, as the flags that set them. */
const FIELD_FLAGS: [RegExp, string][] = [
  [/^interventions\[\d+\]\.feature/, '--feature'],
  [/^interventions\[\d+\]\.strength/, '--strength'],
  [/^interventions\[\d+\]\.positions/, '--positions'],
  [/^interventions:/, '--feature:'],
  [/^dictionaries\[0\]\.hook\b/, '--hook'],
  [/^dictionaries\[0\]/, '--sae'],
  [/^maxNewTokens/, '--max-new-tokens'],
  [/^temperature/, '--temperature'],
  [/^topP/, '--top-p'],
  [/^frequencyPenalty/, '--frequency-penalty'],
  [/^prompt/, '--prompt'],
];
const asFlags = (message: string) => FIELD_FLAGS.reduce((m, [field, flag]) => m.replace(field, flag), message);

/** Register `steer` on the CLI. */
export function registerSteer(program: Command): void {
  program
    .command('steer')
    .description(
      "continue a prompt with a dictionary's features steered (add, clamp or ablate at its hook) and without, " +
        'from the same seed; prints both continuations',
    )
    .option(
      '--model <builtin|path>',
      "'builtin' (the committed tiny LM) or a Hugging Face model folder (GPT-2, Llama, Mistral, Qwen2, GPT-NeoX, Gemma 2)",
      'builtin',
    )
    .requiredOption('--sae <folder>', 'a SAELens or sparsify dictionary folder')
    .option('--hook <name>', "the dictionary's hook point (default: the hook_name its cfg.json records)")
    .requiredOption('--feature <i>', 'a feature to steer; repeat for several', collectFeature, [])
    .option(
      '--strength <s>',
      'add: the multiple of the decoder direction; clamp: the value; one for all features or one per --feature',
      collectStrength,
      [],
    )
    .option(
      '--mode <add|clamp|ablate>',
      'add s·d_i, clamp the activation to s (reconstruction error kept), or ablate (clamp to 0)',
      'add',
    ) // prettier-ignore
    .option(
      '--strength-unit <raw|max>',
      "max: in units of the feature's max activation, which the CLI estimates by encoding the prompt plus a short " +
        'built-in sample of English sentences (lower than the corpus maximum the atlas records, so it steers ' +
        'harder than the atlas would at the same strength); raw: activation units as is',
      'max',
    )
    .option(
      '--positions <list>',
      'token positions to steer, comma-separated (0 = the first prompt token; default: all)',
      positionList,
    ) // prettier-ignore
    .requiredOption('--prompt <text>', 'the text to continue')
    .option('--max-new-tokens <n>', 'tokens to generate (at most 256)', integerFlag('--max-new-tokens', 1), 32)
    .option(
      '--temperature <t>',
      '0 for greedy, else the sampling temperature',
      numberFlag('--temperature', { min: 0 }),
      0,
    ) // prettier-ignore
    .option('--top-p <p>', 'nucleus sampling mass', numberFlag('--top-p', { min: Number.MIN_VALUE, max: 1 }), 1)
    .option(
      '--frequency-penalty <x>',
      "subtracted from a token's logit per earlier use",
      numberFlag('--frequency-penalty', { min: 0 }),
      0,
    ) // prettier-ignore
    .option('--seed <n>', 'sampling seed (both continuations use it)', integerFlag('--seed', 0), 0)
    .option('--backend <name>', 'encoder kernels: auto, cpu, reference, tfjs', 'auto')
    .option('--json', 'print the whole result (tokens, log-probabilities, most-changed tokens) as JSON')
    .action(async (o) => {
      if (!['add', 'clamp', 'ablate'].includes(o.mode))
        throw new AtlasError('ARGUMENT_INVALID', `--mode must be add, clamp or ablate (got '${o.mode}')`);
      if (o.strengthUnit !== 'raw' && o.strengthUnit !== 'max')
        throw new AtlasError('ARGUMENT_INVALID', `--strength-unit must be raw or max (got '${o.strengthUnit}')`);
      const features: number[] = o.feature;
      const strengths: number[] = o.strength;
      if (o.mode !== 'ablate' && strengths.length === 0)
        throw new AtlasError('ARGUMENT_INVALID', `--strength is required with --mode ${o.mode}`);
      if (strengths.length > 1 && strengths.length !== features.length)
        throw new AtlasError(
          'ARGUMENT_INVALID',
          `--strength given ${strengths.length} times for ${features.length} --feature(s); give one, or one per feature`,
        );
      // Loaded here so other commands do not pay for TF.js start-up.
      const { InferenceModel } = await import('../../inference/inferenceModel.js');
      const { InferenceDictionary } = await import('../../inference/inferenceDictionary.js');
      const { loadBackend } = await import('../../engine/backendRegistry.js');
      const { steer } = await import('../../steering/steer.js');
      const { estimateMaxActivation } = await import('../../steering/estimateMaxActivation.js');
      const dictionary = InferenceDictionary.load(o.sae);
      const hook: string | undefined = o.hook ?? dictionary.sae.hookName ?? undefined;
      if (!hook) throw new AtlasError('ARGUMENT_INVALID', `--hook is required: ${o.sae}/cfg.json records no hook_name`);
      const model = await InferenceModel.load(o.model);
      const backend = await loadBackend(o.backend);
      try {
        const unit = o.mode === 'ablate' ? 'raw' : o.strengthUnit;
        let maxActivations: number[] | undefined;
        if (unit === 'max') {
          const valid = features.filter((f) => f < dictionary.sae.dSae); // the rest are refused by steer below
          const found = await estimateMaxActivation(model, dictionary, hook, valid, o.prompt, backend);
          maxActivations = features.map((f) => found[valid.indexOf(f)] ?? 0);
          const silent = features.filter((f, k) => f < dictionary.sae.dSae && maxActivations![k] === 0);
          if (silent.length > 0)
            throw new AtlasError(
              'ARGUMENT_INVALID',
              `--feature ${silent.join(', ')}: never active on the prompt or the built-in sample, so its max activation is unknown; use --strength-unit raw`,
            );
        }
        const result = await steer(
          model,
          {
            prompt: o.prompt,
            dictionaries: [{ id: 0, hook, dictionary }],
            interventions: features.map((feature, k) => ({
              dictionaryId: 0,
              feature,
              kind: o.mode,
              strength: strengths[strengths.length === 1 ? 0 : k] ?? 0,
              unit,
              maxActivation: maxActivations?.[k],
              positions: o.positions,
            })),
            sampling: {
              maxNewTokens: o.maxNewTokens,
              temperature: o.temperature,
              topP: o.topP,
              frequencyPenalty: o.frequencyPenalty,
              seed: o.seed,
            },
          },
          backend,
        ).catch((err: unknown) => {
          throw err instanceof AtlasError ? new AtlasError(err.code, asFlags(err.message), { cause: err }) : err;
        });
        if (o.json) console.log(JSON.stringify({ ...result, hook, maxActivations }, null, 2));
        else {
          const scale = maxActivations ? ` (max activation ≈ ${maxActivations.map((m) => m.toFixed(3)).join(', ')})` : ''; // prettier-ignore
          console.log(`${result.modelName} ${hook}, ${o.mode} feature ${features.join(', ')}${scale}`);
          console.log(`default: ${o.prompt}${result.default.text}`);
          console.log(`steered: ${o.prompt}${result.steered.text}`);
        }
      } finally {
        model.dispose();
        backend.dispose();
      }
    });
}
