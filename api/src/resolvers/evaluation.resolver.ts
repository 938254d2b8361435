// Evaluations in the graph (issue 17): a dictionary's numbers, and dictionaries compared side by side.
import type { Dictionary as DictionaryRow } from '@atlas/migrations';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Dictionary } from '../schema/dictionary.type.js';
import { DictionaryComparison, Evaluation, EvaluationKind } from '../schema/evaluation.type.js';
import type { EvaluationRow } from '../services/evaluationService.js';
import { parseDictionaryId } from './arguments.js';

/** Most dictionaries one comparison takes (a model's whole sweep fits; the page draws one row and point each). */
export const MAX_COMPARED = 50;

@Resolver(() => Dictionary)
export class EvaluationResolver {
  @FieldResolver(() => [Evaluation], {
    description:
      'Its evaluation numbers (kind, metric, the aggregate before its classes); empty until `npm run worker -- evaluate --dictionary <id>` has run.',
  })
  async evaluations(
    @Root() d: { id: number },
    @Arg('kind', () => EvaluationKind, { nullable: true }) kind: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<EvaluationRow[]> {
    const rows = await ctx.loaders.evaluations.load(d.id);
    return kind ? rows.filter((r) => r.kind === kind) : rows;
  }

  @Query(() => DictionaryComparison, {
    description: `Dictionaries side by side with their evaluations, in the order given (at most ${MAX_COMPARED}); dictionaries of different models are allowed and flagged by mixedModels.`,
  })
  async compareDictionaries(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<DictionaryComparison> {
    if (ids.length < 1 || ids.length > MAX_COMPARED)
      throw new PublicError(
        'BAD_USER_INPUT',
        `ids: give 1 to ${MAX_COMPARED} dictionary ids (got ${ids.length}); compare a larger sweep in parts.`,
      );
    const numbers = ids.map((id, i) => parseDictionaryId(id, `ids[${i}]`));
    const found = await ctx.loaders.dictionary.loadMany(numbers);
    const dictionaries: DictionaryRow[] = [];
    found.forEach((d, i) => {
      if (d instanceof Error) throw d;
      if (!d)
        throw new PublicError(
          'BAD_USER_INPUT',
          `ids[${i}]: no dictionary ${ids[i]}; list them with { dictionaries { id name } }.`,
        );
      dictionaries.push(d);
    });
    const unique = [...new Map(dictionaries.map((d) => [d.id, d])).values()];
    const modelNames = await Promise.all(
      unique.map((d) => (d.modelId == null ? null : ctx.loaders.modelName.load(d.modelId))),
    );
    const models = [...new Set(modelNames.filter((m): m is string => m != null))];
    return {
      dictionaries: unique as Dictionary[],
      models,
      mixedModels: models.length > 1 || modelNames.includes(null),
    };
  }
}
