// GraphQL types of evaluations (issue 17): a dictionary's evaluation numbers, a comparison of dictionaries, and a
// feature's auto-labels scored as detectors on held-out tokens.
import { EVALUATION_KINDS } from '@atlas/migrations';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Dictionary } from './dictionary.type.js';

/** The kinds as GraphQL enum values (CORE, SPARSE_PROBING, ...) over the stored names (core, sparse_probing, ...). */
export const EvaluationKind = Object.fromEntries(EVALUATION_KINDS.map((k) => [k.toUpperCase(), k])) as {
  readonly [K in (typeof EVALUATION_KINDS)[number] as Uppercase<K>]: K;
};
registerEnumType(EvaluationKind, {
  name: 'EvaluationKind',
  description:
    'core (reconstruction, sparsity, CE loss), sparse_probing, tpp (targeted probe perturbation), absorption (part-of-speech variant), label_scoring.',
});

@ObjectType({
  description:
    "One number of one evaluation of a dictionary; metric names are SAEBench's where it has one (fvu, ce_loss_score, pos.sae_top_1_test_accuracy, ...).",
})
export class Evaluation {
  @Field(() => EvaluationKind)
  kind!: string;

  @Field(() => String)
  metric!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The class of a per-class row (a part-of-speech tag, a genre); null for the aggregate.',
  })
  subject!: string | null;

  @Field(() => Float)
  value!: number;

  @Field(() => GraphQLJSONObject, { description: "The evaluation's configuration (SAEBench's eval_config)." })
  settings!: Record<string, unknown>;

  @Field(() => String, { description: 'The held-out text it ran on.' })
  corpusSlice!: string;

  @Field(() => String, { description: 'The model it ran on.' })
  model!: string;

  @Field(() => String, { description: 'Version (and git commit) of the code that computed it.' })
  codeVersion!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: 'Dictionaries side by side, each with its identity and evaluations, in the order asked.' })
export class DictionaryComparison {
  @Field(() => [Dictionary])
  dictionaries!: Dictionary[];

  @Field(() => [String], { description: 'The models they decode, each once (unknown models left out).' })
  models!: string[];

  @Field(() => Boolean, {
    description:
      'True when they decode different models (or a model is unknown): their numbers were measured on different activations and text, so compare them with care.',
  })
  mixedModels!: boolean;
}

@ObjectType({
  description:
    "An auto-label scored as a detector on held-out tokens: does the feature fire where the label holds? (autointerp's detection score with a rule as judge)",
})
export class HeldOutLabelScore {
  @Field(() => String, { description: 'pos (part of speech), genre or token.' })
  labelKind!: string;

  @Field(() => String)
  label!: string;

  @Field(() => String, {
    description: 'The name a person reads: "verb, past tense (vbd)", "news (genre)"; a token as it is.',
  })
  name!: string;

  @Field(() => Float)
  precision!: number;

  @Field(() => Float)
  recall!: number;

  @Field(() => Float)
  f1!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Null where undefined: no held-out token, or every one, has the label.',
  })
  rocAuc!: number | null;

  @Field(() => Int, { description: 'Held-out tokens where the label holds.' })
  positives!: number;

  @Field(() => Int, { description: 'Held-out tokens scored.' })
  tokens!: number;
}
