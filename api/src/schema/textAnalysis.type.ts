// GraphQL types of analyzeText: per-token feature activations of a text run on request.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Feature } from './feature.type.js';

@ObjectType({ description: 'A feature firing on one token of an analysed text.' })
export class TokenFeatureActivation {
  @Field(() => ID)
  dictionaryId!: string;

  @Field(() => Int)
  index!: number;

  @Field(() => Float)
  activation!: number;

  @Field(() => Feature, {
    nullable: true,
    description: "The feature's stored record (label etc.); null if the dictionary has not been analysed.",
  })
  feature?: Feature | null;
}

@ObjectType({ description: 'One token of an analysed text.' })
export class AnalyzedToken {
  @Field(() => Int)
  position!: number;

  @Field(() => String, { description: "The token's text as the tokenizer decodes it (may start with a space)." })
  text!: string;

  @Field(() => [TokenFeatureActivation], {
    description: 'Strongest features at this token across the dictionaries, strongest first.',
  })
  features!: TokenFeatureActivation[];
}

@ObjectType({ description: 'A text run through a model and dictionaries on request.' })
export class TextAnalysis {
  @Field(() => String)
  modelName!: string;

  @Field(() => String)
  hookPoint!: string;

  @Field(() => [AnalyzedToken])
  tokens!: AnalyzedToken[];

  @Field(() => Float, { description: 'Milliseconds spent running the model and dictionaries.' })
  elapsedMs!: number;
}
