import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { requireKey } from '../auth/requireKey.js';
import type { Context } from '../context.js';
import { PublicError } from '../errors.js';
import { Feature } from '../schema/feature.type.js';
import { Explanation } from '../schema/job.type.js';
import type { ExplanationRow, FeatureRow } from '../services/featureService.js';
import { requireDictionary, requireRange } from './arguments.js';

@Resolver(() => Feature)
export class ExplanationResolver {
  @FieldResolver(() => [Explanation], { description: 'Explanations of this feature, newest first.' })
  explanations(@Root() f: FeatureRow, @Ctx() ctx: Context): Promise<ExplanationRow[]> {
    return ctx.loaders.explanations.load(f);
  }

  @Mutation(() => Explanation, { description: "Add a person's explanation of a feature. Needs an API key." })
  async setExplanation(
    @Arg('dictionaryId', () => ID) dictionaryId: string,
    @Arg('index', () => Int) index: number,
    @Arg('text', () => String) text: string,
    @Ctx() ctx: Context,
  ): Promise<ExplanationRow> {
    const key = await requireKey(ctx);
    const d = await requireDictionary(ctx, dictionaryId);
    requireRange('index', index, 0, d.nLatents - 1);
    const clean = text.trim();
    if (clean.length < 1 || clean.length > 2000)
      throw new PublicError('BAD_USER_INPUT', `text must be 1 to 2,000 characters (got ${clean.length}).`);
    const [row] = (await ctx.dataSource.query(
      `INSERT INTO explanations (dictionary_id, feature_index, text, source, author) VALUES ($1, $2, $3, 'human', $4)
       RETURNING id, dictionary_id, feature_index, text, source, score, author, created_at`,
      [d.id, index, clean, key.name],
    )) as Record<string, unknown>[];
    return {
      id: row.id as number,
      dictionaryId: d.id,
      featureIndex: index,
      text: clean,
      source: 'human',
      score: null,
      author: key.name,
      createdAt: row.created_at as Date,
    };
  }
}
