// GraphQL types of feature lists (issue 21): a named list of features across dictionaries, each with a note.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** GraphQL values over the stored names. */
export const ListVisibilityValue = { PUBLIC: 'public', KEY: 'key' } as const;
registerEnumType(ListVisibilityValue, {
  name: 'ListVisibility',
  description: 'PUBLIC: anyone may read the list; KEY: only callers with an API key.',
});

@ObjectType({ description: 'A feature in a list, with its note. Its feature and dictionary are fields.' })
export class FeatureListItem {
  @Field(() => ID)
  id!: number;

  @Field(() => Int, { description: "The feature's index in its dictionary." })
  featureIndex!: number;

  @Field(() => String, { description: "A person's note on why the feature is in the list (may be empty)." })
  note!: string;

  @Field(() => Int, { description: 'Place in the list, 0 first.' })
  position!: number;

  @Field(() => Date)
  addedAt!: Date;
}

@ObjectType({ description: 'A named, shareable collection of features across dictionaries.' })
export class FeatureList {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => ListVisibilityValue)
  visibility!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}
