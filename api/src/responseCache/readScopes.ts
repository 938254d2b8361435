// What one operation read, for the response cache: the read-version scopes (see @atlas/migrations readVersions)
// its loaders and resolvers touched, or `everything` when it read something no scope names precisely.
import {
  ATLAS_SCOPE,
  dictionaryScope,
  explanationsScope,
  featureExplanationsScope,
  listScope,
  LISTS_SCOPE,
} from '@atlas/migrations';

export class ReadScopes {
  readonly scopes = new Set<string>();
  /** Set when the answer depends on more than the recorded scopes (e.g. a search over every dictionary). */
  everything = false;

  dictionary(id: number): void {
    this.scopes.add(dictionaryScope(id));
  }

  /** Any explanation of the dictionary (a filter over their text). */
  explanations(id: number): void {
    this.scopes.add(explanationsScope(id));
  }

  /** One feature's explanations. */
  featureExplanations(id: number, index: number): void {
    this.scopes.add(featureExplanationsScope(id, index));
  }

  /** The list of dictionaries, models, corpora and graphs. */
  atlas(): void {
    this.scopes.add(ATLAS_SCOPE);
  }

  /** One feature list and its items. */
  list(id: number): void {
    this.scopes.add(listScope(id));
  }

  /** Which feature lists there are. */
  lists(): void {
    this.scopes.add(LISTS_SCOPE);
  }

  all(): void {
    this.everything = true;
  }
}
