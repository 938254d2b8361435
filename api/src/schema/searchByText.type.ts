// GraphQL types of searchByText: features ranked by their activation on a text run on request.
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Feature } from './feature.type.js';

@ObjectType({ description: 'A feature active on the searched text.' })
export class TextSearchFeature {
  @Field(() => ID)
  dictionaryId!: string;

  @Field(() => Int)
  index!: number;

  @Field(() => Float, { description: 'Its largest activation over the ranked token positions.' })
  maxActivation!: number;

  @Field(() => Int, { description: 'Token position of that activation.' })
  position!: number;

  @Field(() => [Float], { description: 'Its activation at every token of the text (0 where not active).' })
  activations!: number[];

  @Field(() => Feature, {
    nullable: true,
    description: "The feature's stored record (label etc.); null if the dictionary has not been analysed.",
  })
  feature?: Feature | null;
}

@ObjectType({ description: 'Features ranked by their activation on a text.' })
export class TextSearch {
  @Field(() => String)
  modelName!: string;

  @Field(() => [String], { description: "The text's tokens as the tokenizer decodes them." })
  tokens!: string[];

  @Field(() => [TextSearchFeature], { description: 'Largest activation first.' })
  features!: TextSearchFeature[];

  @Field(() => Float, { description: 'Milliseconds spent running the model and dictionaries.' })
  elapsedMs!: number;
}
