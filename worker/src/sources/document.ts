// The unit every corpus yields: one document of plain text, with optional word-level labels.

/** One document of a corpus. Character offsets are UTF-16 indices into `text`, as JavaScript strings use. */
export interface CorpusDocument {
  /** Stable id inside its corpus, e.g. the Brown file name `ca01` or `notes/a.txt#3`. */
  id: string;
  text: string;
  /** Genre or category of the whole document, when the corpus has one (Brown: `news`, `fiction`, …). */
  genre?: string;
  /** Word-level annotations: `words[i]` spans text[start, end) and carries a part-of-speech tag. */
  words?: AnnotatedWord[];
}

/** A word of the original annotation with its character span in the document text. */
export interface AnnotatedWord {
  start: number;
  end: number;
  /** Part-of-speech tag as the corpus writes it (Brown: `vbd`, `np-tl`, `nn$`, …). */
  tag: string;
}

/** A named, ordered, re-iterable stream of documents. The order is part of the contract: positions refer to it. */
export interface Corpus {
  /** Identity recorded in provenance, e.g. `brown` or `folder:/data/notes`. */
  readonly name: string;
  documents(): AsyncIterable<CorpusDocument>;
}
