// GraphQL types of dictionaries: the dictionary, its metrics, training curves and analysis summary.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Summary figures of a trained dictionary; null until measured.' })
export class DictionaryMetrics {
  @Field(() => Float, { nullable: true, description: 'Mean number of active latents per token.' })
  l0?: number;

  @Field(() => Float, { nullable: true, description: 'Mean squared reconstruction error.' })
  mse?: number;

  @Field(() => Float, { nullable: true, description: 'Fraction of variance unexplained.' })
  fvu?: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Fraction of latents that never fired in the last training window (see analysis for the analysed tokens).',
  })
  deadFraction?: number;

  @Field(() => Float, { nullable: true, description: 'Fraction of latents firing on more than 10% of tokens.' })
  denseFraction?: number;

  @Field(() => Float, { nullable: true, description: 'CE loss recovered when the reconstruction is spliced in.' })
  ceLossRecovered?: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'The random seed its training started from (derived from the training settings unless one was given); null when trained elsewhere.',
  })
  trainingSeed?: number;
}

@ObjectType({
  description:
    "What the latest analysis measured over its tokens; the training figures (metrics) come from training's own window.",
})
export class DictionaryAnalysis {
  dictionaryId!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'Tokens the analysis read (densities are firings over these); null for analyses that did not record it.',
  })
  tokens!: number | null;

  @Field(() => String, { nullable: true, description: 'How features were placed on the map: umap or pca.' })
  mapMethod!: string | null;
}

@ObjectType({ description: 'Training curves: each value against tokens seen.' })
export class DictionaryCurves {
  @Field(() => [Float])
  tokens!: number[];

  @Field(() => [Float])
  loss!: number[];

  @Field(() => [Float])
  l0!: number[];

  @Field(() => [Float])
  fvu!: number[];

  @Field(() => [Float])
  deadFraction!: number[];
}

@ObjectType({ description: 'A trained sparse autoencoder over one hook point of one model.' })
export class Dictionary {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'TransformerLens hook name, e.g. blocks.0.mlp.hook_post.' })
  hookPoint!: string;

  @Field(() => String, { description: 'topk, batchtopk, relu or jumprelu.' })
  architecture!: string;

  @Field(() => Int)
  dIn!: number;

  @Field(() => Int)
  nLatents!: number;

  @Field(() => Int, { nullable: true })
  k!: number | null;

  @Field(() => String, { description: 'pending, training, trained, analyzing, ready or failed.' })
  status!: string;

  @Field(() => DictionaryMetrics)
  metrics!: DictionaryMetrics;

  @Field(() => Date)
  createdAt!: Date;
}
