// The Brown part-of-speech tagset (Francis & Kucera, Brown Corpus Manual, 1979) with names a person reads.
// It lives in this package because this is the one package both the worker (which writes labels from tags) and
// the api (which shows them and resolves searches by name) depend on, and the names are part of what the stored
// tags mean: one table, read by both, so a label and a search for it can never disagree.

/** Name of every Brown tag, and of the base tags the analysis reduces compound tags to (`pp`, `wp`, `fw`). */
export const BROWN_TAG_NAMES: Readonly<Record<string, string>> = {
  '.': 'sentence end: . ? ! ;',
  ',': 'comma',
  ':': 'colon',
  '--': 'dash',
  '(': 'opening parenthesis',
  ')': 'closing parenthesis',
  '``': 'opening quotation mark',
  "''": 'closing quotation mark',
  "'": 'apostrophe',
  '*': "negation: not, n't",
  abl: 'pre-qualifier: quite, rather',
  abn: 'pre-quantifier: half, all',
  abx: 'pre-quantifier: both',
  ap: 'post-determiner: many, several, next',
  at: 'article',
  be: "verb 'to be', base form: be",
  bed: "verb 'to be', past tense plural: were",
  bedz: "verb 'to be', past tense singular: was",
  beg: "verb 'to be', present participle: being",
  bem: "verb 'to be', first person singular: am",
  ben: "verb 'to be', past participle: been",
  ber: "verb 'to be', present plural: are",
  bez: "verb 'to be', third person singular: is",
  cc: 'coordinating conjunction',
  cd: 'cardinal number',
  cs: 'subordinating conjunction',
  do: "verb 'to do', base form: do",
  dod: "verb 'to do', past tense: did",
  doz: "verb 'to do', third person singular: does",
  dt: 'determiner, singular: this, that',
  dti: 'determiner, singular or plural: some, any',
  dts: 'determiner, plural: these, those',
  dtx: 'determiner or double conjunction: either, neither',
  ex: 'existential there',
  fw: 'foreign word',
  hv: "verb 'to have', base form: have",
  hvd: "verb 'to have', past tense: had",
  hvg: "verb 'to have', present participle: having",
  hvn: "verb 'to have', past participle: had",
  hvz: "verb 'to have', third person singular: has",
  in: 'preposition',
  jj: 'adjective',
  jjr: 'adjective, comparative',
  jjs: 'adjective, semantically superlative: chief, top',
  jjt: 'adjective, superlative',
  md: 'modal auxiliary: can, will, should',
  nil: 'untagged',
  nn: 'noun, singular or mass',
  nn$: 'noun, singular, possessive',
  nns: 'noun, plural',
  nns$: 'noun, plural, possessive',
  np: 'proper noun',
  np$: 'proper noun, possessive',
  nps: 'proper noun, plural',
  nps$: 'proper noun, plural, possessive',
  nr: 'adverbial noun: home, today, west',
  nrs: 'adverbial noun, plural',
  od: 'ordinal number',
  pn: 'nominal pronoun: everybody, nothing',
  pn$: 'nominal pronoun, possessive',
  // The analysis reduces pp$ and pp$$ to `pp`, which Brown itself never uses.
  pp: 'possessive pronoun: my, his, mine',
  pp$: 'possessive determiner: my, his, their',
  pp$$: 'possessive pronoun: mine, hers, theirs',
  ppl: 'reflexive pronoun, singular: myself',
  ppls: 'reflexive pronoun, plural: ourselves',
  ppo: 'personal pronoun, object: me, him, them',
  pps: 'personal pronoun, third person singular subject: he, she, it',
  ppss: 'personal pronoun, other subject: I, we, they, you',
  ql: 'qualifier: very, fairly',
  qlp: 'post-qualifier: enough, indeed',
  rb: 'adverb',
  rbr: 'adverb, comparative',
  rbt: 'adverb, superlative',
  rn: 'nominal adverb: here, then',
  rp: 'adverbial particle: up, off, out',
  to: 'infinitive marker: to',
  uh: 'interjection',
  vb: 'verb, base form',
  vbd: 'verb, past tense',
  vbg: 'verb, present participle or gerund',
  vbn: 'verb, past participle',
  vbz: 'verb, third person singular present',
  wdt: 'wh-determiner: what, which',
  // The analysis reduces wp$ to `wp`.
  wp: 'wh-pronoun, possessive: whose',
  wp$: 'wh-pronoun, possessive: whose',
  wpo: 'wh-pronoun, object: whom',
  wps: 'wh-pronoun, subject: who',
  wql: 'wh-qualifier: how',
  wrb: 'wh-adverb: how, where, when',
};

/** Modifiers Brown appends to a tag with a hyphen. */
const SUFFIXES: Readonly<Record<string, string>> = { tl: 'in a title', hl: 'in a headline', nc: 'cited word' };

/**
 * The base tag a label speaks of: title, headline and cited-word suffixes, possessive `$` and negation `*` are
 * dropped, a contraction keeps its first part, a foreign word is `fw` (`np-tl` -> `np`, `ppss+bem` -> `ppss`,
 * `fw-nn` -> `fw`). The analysis counts associations per base tag, so stored labels and scores use these.
 */
export function baseTag(tag: string): string {
  return tag.split(/[-+]/)[0].replace(/[$*]+$/, '') || tag;
}

/**
 * A person's name for any Brown tag, compound forms included: `-tl`/`-hl`/`-nc` modifiers, `fw-` foreign words,
 * `+` contractions, `$` possessives and `*` negations (`nn$-tl` -> "noun, singular, possessive, in a title").
 * Undefined for a tag outside the tagset.
 */
export function brownTagName(tag: string): string | undefined {
  const t = tag.trim().toLowerCase();
  const known = BROWN_TAG_NAMES[t];
  if (known) return known;
  if (t.startsWith('fw-')) {
    const rest = brownTagName(t.slice(3));
    return rest && `foreign word, ${rest}`;
  }
  const suffix = /^(.+)-(tl|hl|nc)$/.exec(t);
  if (suffix) {
    const rest = brownTagName(suffix[1]);
    return rest && `${rest}, ${SUFFIXES[suffix[2]]}`;
  }
  if (t.includes('+')) {
    const parts = t.split('+').map(brownTagName);
    return parts.every((p) => p !== undefined) ? `contraction of ${parts.join(' + ')}` : undefined;
  }
  const mark = /^(.+?)([$*])$/.exec(t);
  if (mark) {
    const rest = brownTagName(mark[1]);
    return rest && `${rest}, ${mark[2] === '$' ? 'possessive' : 'negated'}`;
  }
  return undefined;
}

/** "verb, past tense (vbd)": the name with the tag beside it, or the tag alone outside the tagset. */
export function brownTagLabel(tag: string): string {
  const name = brownTagName(tag);
  return name ? `${name} (${tag})` : tag;
}

/** Lower-case words of a name or query (letters, digits, apostrophes and hyphens inside words). */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? [];
}

// The part before a colon is the name proper, matched by word prefixes; the examples after it by whole words only
// (so "the" finds no pronoun through "them").
const NAME_WORDS = Object.entries(BROWN_TAG_NAMES).map(([tag, name]) => {
  const [proper, examples = ''] = name.split(': ');
  return { tag, words: words(proper), examples: words(examples) };
});

/**
 * The base tags (lower case) a query means, by tag or by name, in any case: "VBD", "np-tl", "past tense" (every
 * tag whose name has a word starting with "past" and one starting with "tense"), "verb", "was". A query word
 * shorter than four letters, or one matching an example ("was" in "past tense singular: was"), must match a
 * whole word. A leading "e.g." is ignored.
 */
export function matchBrownTags(query: string): string[] {
  const q = query
    .trim()
    .toLowerCase()
    .replace(/^e\.g\.\s*/, '');
  if (!q) return [];
  const found = new Set<string>();
  for (const candidate of [q, baseTag(q)]) if (BROWN_TAG_NAMES[candidate]) found.add(candidate);
  const wanted = words(q);
  if (wanted.length)
    for (const { tag, words: nameWords, examples } of NAME_WORDS)
      if (
        wanted.every(
          (w) => examples.includes(w) || nameWords.some((n) => n === w || (w.length >= 4 && n.startsWith(w))),
        )
      )
        found.add(tag);
  return [...found];
}

/** Every tag of the table, lower case: a stored label naming one of these is a part-of-speech label. */
export const BROWN_TAGS: readonly string[] = Object.keys(BROWN_TAG_NAMES);
