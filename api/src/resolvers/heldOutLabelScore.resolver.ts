// A feature's auto-labels scored on held-out tokens (issue 17), beside the label the analysis chose.
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { Feature } from '../schema/feature.type.js';
import { HeldOutLabelScore } from '../schema/evaluation.type.js';
import type { HeldOutLabelScoreRow } from '../services/evaluationService.js';
import type { FeatureRow } from '../services/features/featureRow.js';

@Resolver(() => Feature)
export class HeldOutLabelScoreResolver {
  @FieldResolver(() => [HeldOutLabelScore], {
    description:
      'Its auto-labels scored as detectors on held-out tokens (precision, recall, F1, ROC-AUC), best F1 first; empty until the label_scoring evaluation has run.',
  })
  heldOutLabelScores(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<HeldOutLabelScoreRow[]> {
    return ctx.loaders.heldOutLabelScores.load(f);
  }
}
