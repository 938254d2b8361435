// A feature's label associations (precision, recall, F1 per token label), named for a person.
import { namedLabelScores, type NamedLabelScore } from '@atlas/migrations';
import { Arg, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Feature } from '../schema/feature.type.js';
import { LabelAssociation } from '../schema/labelAssociation.type.js';
import type { FeatureRow } from '../services/features/featureRow.js';
import { requireRange } from './arguments.js';

@Resolver(() => Feature)
export class LabelAssociationResolver {
  @FieldResolver(() => [LabelAssociation], {
    description: 'The label associations behind the label, best F1 first, with names a person reads.',
  })
  labelAssociations(
    @Root() f: FeatureRow,
    @Arg('first', () => Int, { defaultValue: 10 }) first: number,
  ): NamedLabelScore[] {
    requireRange('first', first, 1, 100);
    return namedLabelScores(f.labelScores).slice(0, first);
  }
}
