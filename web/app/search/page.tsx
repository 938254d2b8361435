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
  query FeaturesByToken($t: String!) {
    featuresByToken(token: $t, first: 50) {
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
  feature: { dictionaryId: string; index: number; label?: string | null };
  score?: number;
  token?: string;
  maxActivation?: number;
}

export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { q, token } = await searchParams;
  const [hits, { dictionaries }] = await Promise.all([
    q?.trim()
      ? request(SEARCH, { q }).then((r): Hit[] => r.searchFeatures)
      : token?.trim()
        ? request(BY_TOKEN, { t: token }).then((r): Hit[] => r.featuresByToken)
        : Promise.resolve<Hit[]>([]),
    request(DICTIONARY_NAMES, {}),
  ]);
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
                  <th>Label</th>
                  <th>{token ? 'Max act.' : 'Score'}</th>
                </tr>
              </thead>
              <tbody>
                {hits.map((h) => (
                  <tr key={`${h.feature.dictionaryId}:${h.feature.index}`}>
                    <td>{h.feature.dictionaryId}</td>
                    <td>
                      <Link href={`/d/${h.feature.dictionaryId}/f/${h.feature.index}`}>{h.feature.index}</Link>
                    </td>
                    <td>{h.feature.label ?? <span className="muted">unlabelled</span>}</td>
                    <td>{fmt(token ? h.maxActivation : h.score, 2)}</td>
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
