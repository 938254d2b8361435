// GraphQL type of a feature's association with a token label.
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description: 'How well firing predicts a token label (a part-of-speech tag, a genre): precision, recall, F1.',
})
export class LabelAssociation {
  @Field(() => String, { description: 'Label family: "pos" (Brown tags) or "genre".' })
  family!: string;

  @Field(() => String, { description: 'The label as stored: a Brown base tag ("vbd") or a genre.' })
  label!: string;

  @Field(() => String, { description: 'The label as a person reads it: "verb, past tense (vbd)", "news (genre)".' })
  name!: string;

  @Field(() => Float)
  precision!: number;

  @Field(() => Float)
  recall!: number;

  @Field(() => Float)
  f1!: number;

  @Field(() => Int, { description: 'Tokens where the feature fires and the label holds.' })
  support!: number;
}
