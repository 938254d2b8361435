// Resolve the `--corpus` argument: `brown` is the bundled Brown corpus, anything else a path.
import { brownCorpus } from './brown.js';
import type { Corpus } from './document.js';
import { folderCorpus } from './folderCorpus.js';

/** `brown` or a folder / .txt / .jsonl path. */
export function openCorpus(spec: string): Corpus {
  return spec === 'brown' ? brownCorpus() : folderCorpus(spec);
}
