// GraphQL types of feature lists: the Relay connection, its order and filter, and the 2-D feature map.
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Feature } from './feature.type.js';

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class FeatureEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Feature)
  node!: Feature;
}

@ObjectType({ description: 'A page of features (Relay connection).' })
export class FeatureConnection {
  @Field(() => [FeatureEdge])
  edges!: FeatureEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Features matching the filter, over all pages.' })
  totalCount!: number;
}

export enum FeatureOrder {
  INDEX = 'INDEX',
  DENSITY_DESC = 'DENSITY_DESC',
  DENSITY_ASC = 'DENSITY_ASC',
  MAX_ACTIVATION_DESC = 'MAX_ACTIVATION_DESC',
  BEST_HELD_OUT_F1_DESC = 'BEST_HELD_OUT_F1_DESC',
}
registerEnumType(FeatureOrder, {
  name: 'FeatureOrder',
  description: 'Sort order of a feature list; ties by index.',
  valuesConfig: {
    BEST_HELD_OUT_F1_DESC: {
      description: 'Best F1 among its held-out label scores, highest first; features never scored last.',
    },
  },
});

@InputType({ description: 'Every condition given must hold.' })
export class FeatureFilter {
  @Field(() => Float, { nullable: true })
  densityMin?: number;

  @Field(() => Float, { nullable: true })
  densityMax?: number;

  @Field(() => Float, { nullable: true })
  maxActivationMin?: number;

  @Field(() => Float, { nullable: true })
  maxActivationMax?: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Words of the label or of an explanation, in any case: a part-of-speech label matches by its tag or name ("vbd", "past tense"), others and explanations by substring.',
  })
  text?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'A part-of-speech tag or tag name, any case ("VBD", "past tense", "noun"), among the label associations (F1 ≥ 0.3).',
  })
  posTag?: string;

  @Field(() => Float, {
    nullable: true,
    description:
      'Least best F1 (0 to 1) among its held-out label scores (heldOutLabelScores); features never scored fail it.',
  })
  bestHeldOutF1Min?: number;
}

@ObjectType({
  description: "Every feature's map position in parallel arrays (compact for tens of thousands of points).",
})
export class FeatureMap {
  @Field(() => [Int])
  indices!: number[];

  @Field(() => [Float])
  x!: number[];

  @Field(() => [Float])
  y!: number[];

  @Field(() => [Float])
  density!: number[];

  @Field(() => [String])
  labels!: string[];

  @Field(() => [Boolean], {
    nullable: true,
    description: 'Per point, whether it passes the filter given to featureMap; null when no condition was given.',
  })
  matches!: boolean[] | null;
}
