import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context.js';
import { Dictionary } from '../schema/dictionary.type.js';
import { listDictionaries } from '../services/dictionaryService.js';

@Resolver(() => Dictionary)
export class DictionaryResolver {
  @Query(() => [Dictionary], { description: 'Every dictionary, oldest first.' })
  dictionaries(@Ctx() { dataSource }: Context): Promise<Dictionary[]> {
    return listDictionaries(dataSource);
  }
}
