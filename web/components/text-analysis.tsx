'use client';
// Live text analysis: the api runs the model and the chosen dictionaries on the text now; every token is tinted by
// its strongest feature, and clicking a token lists the features firing there, each linking to its page.
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { clientRequest, describeFailure } from '@/lib/client-request';
import { graphql } from '@/lib/gql';
import type { AnalyzeTextQuery } from '@/lib/gql/graphql';
import { groupByDictionary, tokenPeaks } from '@/lib/text-analysis';
import { displayToken, formatActivation, tint, tintText } from '@/lib/tint';

const ANALYZE = graphql(`
  query AnalyzeText($text: String!, $dictionaryIds: [ID!]!) {
    analyzeText(text: $text, dictionaryIds: $dictionaryIds, topK: 5) {
      modelName
      hookPoint
      elapsedMs
      tokens {
        position
        text
        features {
          dictionaryId
          index
          activation
          feature {
            label
          }
        }
      }
    }
  }
`);

type Analysis = AnalyzeTextQuery['analyzeText'];

/**
 * `all`: every dictionary (for names); those whose weights the server holds can be ticked, and the ones on the
 * first such dictionary's hook point start ticked.
 */
export function TextAnalysis({
  dictionaries: all,
}: {
  dictionaries: { id: string; name: string; hookPoint: string; canAnalyzeText: boolean }[];
}) {
  const dictionaries = all.filter((d) => d.canAnalyzeText);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const names = new Map(all.map((d) => [d.id, d.name]));
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = String(form.get('text') ?? '');
    const dictionaryIds = form.getAll('dictionary').map(String);
    if (!text.trim()) return setError('Write some text to analyse.');
    if (dictionaryIds.length === 0) return setError('Tick at least one dictionary.');
    setBusy(true);
    setError(null);
    try {
      setAnalysis((await clientRequest(ANALYZE, { text, dictionaryIds })).analyzeText);
      setSelected(null);
    } catch (err) {
      setError(describeFailure(err));
    } finally {
      setBusy(false);
    }
  };
  const { peaks, scale } = tokenPeaks(analysis?.tokens ?? []);
  const token = selected === null ? null : analysis?.tokens[selected];
  if (dictionaries.length === 0)
    return (
      <p className="muted" data-testid="analysis-empty">
        No dictionary on this server has its weights here, so none can run on new text. Dictionaries trained or imported
        by this server&apos;s worker (<code>npm run worker -- analyze --sae &lt;folder&gt;</code>) can.
      </p>
    );
  return (
    <>
      <form className="filters" onSubmit={submit} data-testid="analyze-form">
        <label style={{ flex: '1 1 20rem' }}>
          free text, run through the model now
          <textarea name="text" rows={2} maxLength={4000} placeholder="e.g. He walked under the bridge." />
        </label>
        <fieldset className="dictionary-choice">
          <legend>dictionaries (one model)</legend>
          {dictionaries.map((d) => (
            <label key={d.id}>
              <input
                type="checkbox"
                name="dictionary"
                value={d.id}
                defaultChecked={d.hookPoint === dictionaries[0].hookPoint}
              />{' '}
              {d.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Analyse
        </button>
      </form>
      {error && (
        <p className="error" role="alert" data-testid="analysis-error">
          {error}
        </p>
      )}
      {analysis && (
        <section data-testid="analysis">
          <p className="muted">
            {analysis.modelName} · <code>{analysis.hookPoint}</code> · {analysis.tokens.length} tokens in{' '}
            {analysis.elapsedMs.toFixed(0)} ms. Click a token to see its features.
          </p>
          <div className="window-tokens analysis-tokens">
            {analysis.tokens.map((t, i) => (
              <button
                key={t.position}
                type="button"
                className={i === selected ? 'tok tok-button tok-max' : 'tok tok-button'}
                style={{ background: tint(peaks[i], scale), color: tintText(peaks[i], scale) }}
                title={`${JSON.stringify(t.text)}: ${formatActivation(peaks[i])}`}
                aria-pressed={i === selected}
                data-activation={peaks[i]}
                onClick={() => setSelected(i)}
              >
                {displayToken(t.text)}
              </button>
            ))}
          </div>
          {token && (
            <div data-testid="token-features">
              <h2>Features at {JSON.stringify(token.text)}</h2>
              {token.features.length === 0 ? (
                <p className="muted">No feature fires on this token.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Feature</th>
                      <th>Label</th>
                      <th>Activation</th>
                      <th>Dictionary</th>
                    </tr>
                  </thead>
                  <tbody>
                    {groupByDictionary(token.features).flatMap((g) =>
                      g.features.map((f) => (
                        <tr key={`${f.dictionaryId}:${f.index}`}>
                          <td>
                            <Link href={`/d/${f.dictionaryId}/f/${f.index}`}>#{f.index}</Link>
                          </td>
                          <td>{f.feature?.label ?? <span className="muted">unlabelled</span>}</td>
                          <td>{formatActivation(f.activation)}</td>
                          <td>{names.get(f.dictionaryId) ?? f.dictionaryId}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              )}
            </div>
          )}
        </section>
      )}
    </>
  );
}
