// GraphQL types of search answers: token matches and ranked text hits.
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Feature } from './feature.type.js';

@ObjectType({ description: 'A feature whose top examples peak on the token asked for.' })
export class TokenMatch {
  @Field(() => Feature)
  feature!: Feature;

  @Field(() => String, { description: 'The token as it appears in the examples (the strongest spelling when folded).' })
  token!: string;

  @Field(() => Float)
  maxActivation!: number;

  @Field(() => Int, { description: 'Top examples of the feature that peak on this token.' })
  examples!: number;
}

@ObjectType()
export class SearchHit {
  @Field(() => Feature)
  feature!: Feature;

  @Field(() => Float, {
    description:
      "Relevance: for a match on a label made from an association (a part-of-speech tag or name, a genre), that label's F1; otherwise full-text rank plus trigram similarity.",
  })
  score!: number;
}
