// /search: features by label or explanation, by token across every dictionary, by their activation on a running
// text (the api runs the model now), and live text analysis.
import Link from 'next/link';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';
import { fmt } from '@/lib/format';
import { TextAnalysis } from '@/components/text-analysis';
import type { FeaturesByTextQuery } from '@/lib/gql/graphql';
import { describeFailure } from '@/lib/client-request';

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
      modelName
      canAnalyzeText
    }
  }
`);

const BY_TEXT = graphql(`
  query FeaturesByText($text: String!, $dictionaryIds: [ID!]!) {
    searchByText(text: $text, dictionaryIds: $dictionaryIds, first: 50) {
      modelName
      tokens
      elapsedMs
      features {
        dictionaryId
        index
        maxActivation
        position
        feature {
          label
        }
      }
    }
  }
`);

type TextSearch = FeaturesByTextQuery['searchByText'];

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
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const [q, token, foldParam, text] = (['q', 'token', 'fold', 'text'] as const).map((k) => {
    const v = params[k];
    return Array.isArray(v) ? v[0] : v;
  });
  const fold = foldParam === '1';
  const textDictionaryIds = [params.dict ?? []].flat();
  const [hits, { dictionaries }, byText] = await Promise.all([
    q?.trim()
      ? request(SEARCH, { q }).then((r): Hit[] => r.searchFeatures)
      : token && (fold ? token.trim() : token)
        ? request(BY_TOKEN, { t: token, fold }).then((r): Hit[] => r.featuresByToken)
        : Promise.resolve<Hit[]>([]),
    request(DICTIONARY_NAMES, {}),
    text?.trim()
      ? request(BY_TEXT, { text, dictionaryIds: textDictionaryIds }).then(
          (r): { result: TextSearch } => ({ result: r.searchByText }),
          (err: unknown) => ({ error: describeFailure(err) }),
        )
      : Promise.resolve(null),
  ]);
  const runnable = dictionaries.filter((d) => d.canAnalyzeText);
  // Unless the URL names dictionaries, those of the first runnable one's model start ticked (one model at a time).
  const ticked = new Set(
    textDictionaryIds.length > 0
      ? textDictionaryIds
      : runnable.filter((d) => d.modelName === runnable[0]?.modelName).map((d) => d.id),
  );
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
      {runnable.length > 0 && (
        <form className="filters" method="get" data-testid="search-by-text">
          <label style={{ flex: '1 1 20rem' }}>
            running text: features by their largest activation on it
            <input name="text" defaultValue={text} placeholder="e.g. He walked under the bridge." />
          </label>
          <fieldset className="dictionary-choice">
            <legend>dictionaries (one model)</legend>
            {runnable.map((d) => (
              <label key={d.id}>
                <input type="checkbox" name="dict" value={d.id} defaultChecked={ticked.has(d.id)} /> {d.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Rank</button>
        </form>
      )}
      {byText && 'error' in byText && (
        <p className="error" role="alert" data-testid="search-by-text-error">
          {byText.error}
        </p>
      )}
      {byText && 'result' in byText && (
        <section data-testid="text-search-results">
          <h2>{byText.result.features.length} features</h2>
          <p className="muted">
            {byText.result.modelName} · {byText.result.tokens.length} tokens in {byText.result.elapsedMs.toFixed(0)} ms
          </p>
          {byText.result.features.length === 0 ? (
            <p className="empty">No feature fired on this text.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Dictionary</th>
                  <th>#</th>
                  <th>Label</th>
                  <th>Max act.</th>
                  <th>At token</th>
                </tr>
              </thead>
              <tbody>
                {byText.result.features.map((f) => (
                  <tr key={`${f.dictionaryId}:${f.index}`}>
                    <td>
                      <Link href={`/d/${f.dictionaryId}`}>{dictionaryName.get(f.dictionaryId) ?? f.dictionaryId}</Link>
                    </td>
                    <td>
                      <Link href={`/d/${f.dictionaryId}/f/${f.index}`}>{f.index}</Link>
                    </td>
                    <td>{f.feature?.label ?? <span className="muted">unlabelled</span>}</td>
                    <td>{fmt(f.maxActivation, 2)}</td>
                    <td>
                      <code>{visibleToken(byText.result.tokens[f.position] ?? '')}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
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
