// /search: features by label or explanation, by token across every dictionary, and live text analysis.
import Link from 'next/link';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';
import { fmt } from '@/lib/format';
import { TextAnalysis } from '@/components/text-analysis';

export const dynamic = 'force-dynamic';

const SEARCH = graphql(`
  query SearchFeatures($q: String!) {
    searchFeatures(query: $q, first: 50) {
      score
      feature {
        dictionaryId
        index
        label
        labelScore
      }
    }
  }
`);

const DICTIONARY_NAMES = graphql(`
  query DictionaryNames {
    dictionaries {
      id
      name
      hookPoint
      canAnalyzeText
    }
  }
`);

const BY_TOKEN = graphql(`
  query FeaturesByToken($t: String!, $fold: Boolean!) {
    featuresByToken(token: $t, first: 50, fold: $fold) {
      token
      maxActivation
      feature {
        dictionaryId
        index
        label
      }
    }
  }
`);

interface Hit {
  feature: { dictionaryId: string; index: number; label?: string | null; labelScore?: number | null };
  score?: number;
  token?: string;
  maxActivation?: number;
}

/** A token with its whitespace shown: a leading space is part of what was matched. */
function visibleToken(token: string): string {
  return token.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { q, token, fold: foldParam } = await searchParams;
  const fold = foldParam === '1';
  const [hits, { dictionaries }] = await Promise.all([
    q?.trim()
      ? request(SEARCH, { q }).then((r): Hit[] => r.searchFeatures)
      : token && (fold ? token.trim() : token)
        ? request(BY_TOKEN, { t: token, fold }).then((r): Hit[] => r.featuresByToken)
        : Promise.resolve<Hit[]>([]),
    request(DICTIONARY_NAMES, {}),
  ]);
  const dictionaryName = new Map(dictionaries.map((d) => [d.id, d.name]));
  return (
    <>
      <h1>Search features</h1>
      <form className="filters" method="get">
        <label>
          label or explanation
          <input name="q" defaultValue={q} placeholder="e.g. past tense" />
        </label>
        <button type="submit">Search</button>
      </form>
      <form className="filters" method="get">
        <label>
          token, across every dictionary
          <input name="token" defaultValue={token} placeholder="e.g. the" />
        </label>
        <label title="Without this, the token matches exactly: a leading space is part of it, so “ the” is not “the” or “The”.">
          <input type="checkbox" name="fold" value="1" defaultChecked={fold} /> ignore case and leading space
        </label>
        <button type="submit">Find</button>
      </form>
      {(q || token) && (
        <section data-testid="search-results">
          <h2>{hits.length} features</h2>
          {hits.length === 0 ? (
            <p className="empty">Nothing matched.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Dictionary</th>
                  <th>#</th>
                  {token && !q && <th>Token</th>}
                  <th>Label</th>
                  <th>{q ? 'Score' : 'Max act.'}</th>
                </tr>
              </thead>
              <tbody>
                {hits.map((h) => (
                  <tr key={`${h.feature.dictionaryId}:${h.feature.index}`}>
                    <td>
                      <Link href={`/d/${h.feature.dictionaryId}`}>
                        {dictionaryName.get(h.feature.dictionaryId) ?? h.feature.dictionaryId}
                      </Link>
                    </td>
                    <td>
                      <Link href={`/d/${h.feature.dictionaryId}/f/${h.feature.index}`}>{h.feature.index}</Link>
                    </td>
                    {token && !q && (
                      <td>
                        <code>{visibleToken(h.token ?? '')}</code>
                      </td>
                    )}
                    <td>{h.feature.label ?? <span className="muted">unlabelled</span>}</td>
                    <td>{fmt(q ? h.score : h.maxActivation, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <section>
        <h2>Analyse a text</h2>
        <TextAnalysis dictionaries={dictionaries} />
      </section>
    </>
  );
}
