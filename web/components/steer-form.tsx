'use client';
// The /steer page's form: a prompt, any number of features (of dictionaries of one model), each with a mode, a
// strength (in units of its max activation, or raw) and optionally positions, and the sampling. Submitting puts it
// all in the URL, which the page runs.
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { SteerMode, StrengthUnit } from '@/lib/gql/graphql';
import {
  DEFAULT_MODE,
  DEFAULT_STRENGTH,
  DEFAULT_UNIT,
  readRow,
  rowOf,
  STEER_MODES,
  steerSearch,
  STRENGTH_UNITS,
  type Intervention,
  type InterventionRow,
  type SteerState,
} from '@/lib/steer';

export function SteerForm({
  initial,
  dictionaries,
}: {
  initial: SteerState;
  /** hookPointOut: a transcoder's output hook, where its features are steered (null for an SAE). */
  dictionaries: { id: string; name: string; hookPoint: string; hookPointOut?: string | null }[];
}) {
  const router = useRouter();
  const [prompt, setPrompt] = useState(initial.prompt);
  const [rows, setRows] = useState<InterventionRow[]>(initial.interventions.map(rowOf));
  const [sampling, setSampling] = useState(initial.sampling);
  const [error, setError] = useState<string | null>(null);
  const update = (at: number, change: Partial<InterventionRow>) =>
    setRows(rows.map((r, i) => (i === at ? { ...r, ...change } : r)));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!prompt.trim()) return setError('Write a prompt to continue.');
    if (rows.length === 0) return setError('Add at least one feature to steer with.');
    const interventions: Intervention[] = [];
    for (const [at, row] of rows.entries()) {
      const read = readRow(row);
      if (typeof read === 'string') return setError(`Feature ${at + 1} (#${row.index}): ${read}`);
      interventions.push(read);
    }
    setError(null);
    router.push(`/steer?${steerSearch({ prompt, interventions, sampling })}`);
  };
  return (
    <form onSubmit={submit} data-testid="steer-form">
      <div className="filters-row">
        <label style={{ flex: '1 1 30rem' }}>
          prompt
          <textarea
            name="prompt"
            rows={2}
            maxLength={2000}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
          />
        </label>
      </div>
      <table data-testid="steer-interventions">
        <thead>
          <tr>
            <th>Dictionary</th>
            <th>Feature #</th>
            <th>Mode</th>
            <th>Strength</th>
            <th>Unit</th>
            <th title="0 is the first prompt token; generated tokens follow">Positions</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                <select
                  aria-label="dictionary"
                  style={{ maxWidth: '16rem' }}
                  value={r.dictionaryId}
                  onChange={(e) => update(i, { dictionaryId: e.target.value })}
                >
                  {!dictionaries.some((d) => d.id === r.dictionaryId) && (
                    <option value={r.dictionaryId}>#{r.dictionaryId}</option>
                  )}
                  {dictionaries.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({d.hookPoint}
                      {d.hookPointOut ? ` → ${d.hookPointOut}` : ''})
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label="feature index"
                  style={{ width: '7rem' }}
                  type="number"
                  min={0}
                  step={1}
                  value={r.index}
                  onChange={(e) => update(i, { index: Number(e.target.value) })}
                />
              </td>
              <td>
                <select
                  aria-label="mode"
                  value={r.mode}
                  onChange={(e) => update(i, { mode: e.target.value as SteerMode })}
                >
                  {STEER_MODES.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label="strength"
                  style={{ width: '7rem' }}
                  type="number"
                  step={0.5}
                  value={r.strength}
                  disabled={r.mode === 'ABLATE'}
                  onChange={(e) => update(i, { strength: Number(e.target.value) })}
                />
              </td>
              <td>
                <select
                  aria-label="unit"
                  value={r.unit}
                  onChange={(e) => update(i, { unit: e.target.value as StrengthUnit })}
                >
                  {STRENGTH_UNITS.map((u) => (
                    <option key={u.unit} value={u.unit}>
                      {u.label}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label="positions"
                  placeholder="all"
                  size={8}
                  title="all, or a list like 3,5-7 (0 is the first prompt token)"
                  value={r.positions}
                  onChange={(e) => update(i, { positions: e.target.value })}
                />
              </td>
              <td>
                <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="filters-row">
        <button
          type="button"
          disabled={dictionaries.length === 0}
          onClick={() =>
            setRows([
              ...rows,
              {
                dictionaryId: rows.at(-1)?.dictionaryId ?? dictionaries[0].id,
                index: 0,
                mode: DEFAULT_MODE,
                strength: DEFAULT_STRENGTH,
                unit: DEFAULT_UNIT,
                positions: '',
              },
            ])
          }
        >
          Add a feature
        </button>
        <label>
          new tokens
          <input
            type="number"
            min={1}
            max={64}
            value={sampling.maxNewTokens}
            onChange={(e) => setSampling({ ...sampling, maxNewTokens: Number(e.target.value) })}
          />
        </label>
        <label title="0: greedy">
          temperature
          <input
            type="number"
            min={0}
            step={0.1}
            value={sampling.temperature}
            onChange={(e) => setSampling({ ...sampling, temperature: Number(e.target.value) })}
          />
        </label>
        <label title="Both continuations use this seed; the same seed gives the same text.">
          seed
          <input
            type="number"
            step={1}
            value={sampling.seed}
            onChange={(e) => setSampling({ ...sampling, seed: Number(e.target.value) })}
          />
        </label>
        <button type="submit">Steer</button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="steer-form-error">
          {error}
        </p>
      )}
    </form>
  );
}
