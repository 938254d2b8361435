// Dictionaries in the graph: list, fetch by id, their curves, analysis, model, latest job, and deletion.
import { existsSync } from 'node:fs';
import type { Dictionary as DictionaryRow, Job as JobRow } from '@atlas/migrations';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireKey } from './requireKey.js';
import type { Context } from '../context.js';
import { Dictionary, DictionaryAnalysis, DictionaryCurves } from '../schema/dictionary.type.js';
import { Job } from '../schema/job.type.js';
import { deleteDictionary, listDictionaries } from '../services/dictionaryService.js';
import { parseDictionaryId, requireDictionary } from './arguments.js';

@Resolver(() => Dictionary)
export class DictionaryResolver {
  @Query(() => [Dictionary], { description: 'Every dictionary, oldest first.' })
  dictionaries(@Ctx() { dataSource }: Context): Promise<Dictionary[]> {
    return listDictionaries(dataSource);
  }

  @Query(() => Dictionary, { nullable: true, description: 'A dictionary by its id, or null if there is none.' })
  async dictionary(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return (await ctx.loaders.dictionary.load(parseDictionaryId(id, 'id'))) ?? null;
  }

  @FieldResolver(() => DictionaryCurves, {
    nullable: true,
    description: 'Null when the dictionary was not trained here.',
  })
  curves(@Root() d: { curves?: { tokens?: number[] } | null }): DictionaryCurves | null {
    const c = d.curves;
    if (!c?.tokens?.length) return null;
    return c as DictionaryCurves;
  }

  @FieldResolver(() => DictionaryAnalysis, {
    nullable: true,
    description: 'What the latest analysis measured; null until the dictionary has been analysed.',
  })
  analysis(@Root() d: Pick<DictionaryRow, 'id' | 'status' | 'metrics'>): DictionaryAnalysis | null {
    const tokens = d.metrics.tokensAnalyzed ?? null;
    if (tokens == null && d.status !== 'ready') return null;
    return { dictionaryId: d.id, tokens, mapMethod: d.metrics.mapMethod ?? null };
  }

  @FieldResolver(() => String, { nullable: true, description: 'The model whose activations it decodes.' })
  modelName(@Root() d: { modelId?: number | null }, @Ctx() ctx: Context): Promise<string | null> {
    return d.modelId == null ? Promise.resolve(null) : ctx.loaders.modelName.load(d.modelId);
  }

  @FieldResolver(() => Job, {
    nullable: true,
    description: 'Its newest job (training, analysis, import, export), for its status at a glance.',
  })
  latestJob(@Root() d: { id: number }, @Ctx() ctx: Context): Promise<JobRow | null> {
    return ctx.loaders.latestJob.load(d.id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A transcoder's output hook, where its features write (steering adds their decoder rows there); null for an SAE.",
  })
  hookPointOut(@Root() d: { hyperparameters?: Record<string, unknown> | null }): string | null {
    const out = d.hyperparameters?.hookNameOut;
    return typeof out === 'string' ? out : null;
  }

  @FieldResolver(() => Boolean, {
    description: 'True when this server holds the weights, so analyzeText can run the dictionary on new text.',
  })
  canAnalyzeText(@Root() d: { weightsPath?: string | null }): boolean {
    return !!d.weightsPath && existsSync(d.weightsPath);
  }

  @Mutation(() => Boolean, {
    description:
      'Delete a dictionary with its features, examples and links; its content is remembered, so the demo does not add it back. Needs an API key.',
  })
  async deleteDictionary(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await requireKey(ctx);
    const d = await requireDictionary(ctx, id, 'id');
    await deleteDictionary(ctx.dataSource, d.id);
    return true;
  }
}
