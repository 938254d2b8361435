// The shape analyzeText answers with, and what the search page derives from it: each token's strongest
// activation (its tint) and the features firing at a token grouped by dictionary.

export interface FeatureAtToken {
  dictionaryId: string;
  index: number;
  activation: number;
  feature?: { label?: string | null } | null;
}

export interface AnalyzedToken {
  position: number;
  text: string;
  features: FeatureAtToken[];
}

/** The strongest activation at each token (0 where nothing fires), and the largest of them as the tint scale. */
export function tokenPeaks(tokens: AnalyzedToken[]): { peaks: number[]; scale: number } {
  const peaks = tokens.map((t) => t.features.reduce((m, f) => Math.max(m, f.activation), 0));
  return { peaks, scale: peaks.reduce((m, p) => Math.max(m, p), 0) };
}

/** Features at one token grouped by dictionary, dictionaries in first-seen order, strongest feature first. */
export function groupByDictionary(features: FeatureAtToken[]): { dictionaryId: string; features: FeatureAtToken[] }[] {
  const groups = new Map<string, FeatureAtToken[]>();
  for (const f of features) groups.set(f.dictionaryId, [...(groups.get(f.dictionaryId) ?? []), f]);
  return [...groups].map(([dictionaryId, fs]) => ({
    dictionaryId,
    features: fs.sort((a, b) => b.activation - a.activation),
  }));
}
