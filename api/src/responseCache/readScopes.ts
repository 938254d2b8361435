// What one operation read, for the response cache: the read-version scopes (see @atlas/migrations readVersions)
// its loaders and resolvers touched, or `everything` when it read something no scope names precisely.
import { ATLAS_SCOPE, dictionaryScope, explanationsScope } from '@atlas/migrations';

export class ReadScopes {
  readonly scopes = new Set<string>();
  /** Set when the answer depends on more than the recorded scopes (e.g. a search over every dictionary). */
  everything = false;

  dictionary(id: number): void {
    this.scopes.add(dictionaryScope(id));
  }

  explanations(id: number): void {
    this.scopes.add(explanationsScope(id));
  }

  /** The list of dictionaries, models, corpora and graphs. */
  atlas(): void {
    this.scopes.add(ATLAS_SCOPE);
  }

  all(): void {
    this.everything = true;
  }
}
