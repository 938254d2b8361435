// GraphQL types of a feature and its evidence: histogram, logit effects, activation examples, quantile bins,
// neighbours.
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A log-scale activation histogram: counts[i] activations fell in [edges[i], edges[i+1]).' })
export class ActivationHistogram {
  @Field(() => [Float])
  edges!: number[];

  @Field(() => [Int])
  counts!: number[];
}

@ObjectType({ description: 'A token the decoder direction promotes or suppresses through the unembedding.' })
export class LogitEffect {
  @Field(() => String)
  token!: string;

  @Field(() => Float)
  value!: number;
}

@ObjectType()
export class LogitEffects {
  @Field(() => [LogitEffect])
  positive!: LogitEffect[];

  @Field(() => [LogitEffect])
  negative!: LogitEffect[];
}

@ObjectType({ description: 'A context where the feature fires: a token window with its activation on every token.' })
export class ActivationExample {
  @Field(() => [String], { description: 'Token strings of the window, in order.' })
  tokens!: string[];

  @Field(() => [Float], { description: "The feature's activation on each token of the window." })
  activations!: number[];

  @Field(() => Float)
  maxActivation!: number;

  @Field(() => Int, { description: 'Index in the window of the strongest token.' })
  maxPosition!: number;

  @Field(() => Int, { description: 'Document of the corpus the window comes from.' })
  docIndex!: number;

  @Field(() => Int, { description: "Offset in the document of the window's first token." })
  tokenStart!: number;
}

@ObjectType({ description: 'Examples from one activation-quantile bin (0 = weakest firing).' })
export class QuantileBin {
  @Field(() => Int)
  bin!: number;

  @Field(() => [ActivationExample])
  examples!: ActivationExample[];
}

@ObjectType({ description: 'One latent of a dictionary with its evidence.' })
export class Feature {
  @Field(() => ID, { description: 'Global id, usable with node(id).' })
  id!: string;

  @Field(() => ID)
  dictionaryId!: number;

  @Field(() => Int)
  index!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Short label: a part-of-speech label as its name with the Brown tag ("verb, past tense (vbd)"), a genre, the peak tokens, or a label given on import. Null when unlabelled (see unlabelledReason).',
  })
  label!: string | null;

  @Field(() => Float, {
    nullable: true,
    description: "The label's own score: the F1 of the association it names; null for other labels.",
  })
  labelScore!: number | null;

  @Field(() => String, {
    nullable: true,
    description: `Why the feature has no label, e.g. "too rare to label: 2 firings" (fewer than 10 firings on the analysed tokens).`,
  })
  unlabelledReason!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Association scores behind the label.' })
  labelScores!: Record<string, unknown> | null;

  @Field(() => Float, { nullable: true, description: 'Fraction of tokens on which the feature fires.' })
  density!: number | null;

  @Field(() => Float, { nullable: true })
  meanActivation!: number | null;

  @Field(() => Float, { nullable: true })
  maxActivation!: number | null;

  @Field(() => ActivationHistogram, { nullable: true })
  histogram!: ActivationHistogram | null;

  @Field(() => LogitEffects, { nullable: true })
  logits!: LogitEffects | null;

  @Field(() => Float, { nullable: true })
  mapX!: number | null;

  @Field(() => Float, { nullable: true })
  mapY!: number | null;
}

@ObjectType({ description: 'A feature near another one by decoder cosine.' })
export class FeatureNeighbor {
  @Field(() => Feature)
  feature!: Feature;

  @Field(() => Float)
  cosine!: number;
}
