'use client';
// Steer with this feature: a prompt, a mode, a strength (in units of the feature's max activation, or raw) and
// optionally the positions to steer at; the api runs the model now (`steer`, one request at a time) and the default
// and steered continuations show side by side.
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { clientRequest } from '@/lib/client-request';
import {
  DEFAULT_MODE,
  DEFAULT_SAMPLING,
  DEFAULT_STRENGTH,
  DEFAULT_UNIT,
  readRow,
  STEER_MODES,
  steerSearch,
  steerVariables,
  STRENGTH_UNITS,
  type InterventionRow,
  type SteerState,
} from '@/lib/steer';
import type { SteerMode, StrengthUnit } from '@/lib/gql/graphql';
import { describeSteerFailure, STEER, type SteerAnswer } from '@/lib/steer-query';
import { SteerResult } from '../steer-result';

/** Max activation scales the slider's raw range (and converts when the unit changes); null when not analysed. */
export function SteerPanel({
  dictionaryId,
  index,
  maxActivation,
}: {
  dictionaryId: string;
  index: number;
  maxActivation: number | null;
}) {
  const [prompt, setPrompt] = useState('The');
  const [row, setRow] = useState<InterventionRow>({
    dictionaryId,
    index,
    mode: DEFAULT_MODE,
    strength: DEFAULT_STRENGTH,
    unit: DEFAULT_UNIT,
    positions: '',
  });
  const [result, setResult] = useState<{ prompt: string; answer: SteerAnswer } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const update = (change: Partial<InterventionRow>) => setRow({ ...row, ...change });
  // One max activation in raw units: the slider's raw range is the same ±20 × max, and switching units keeps the push.
  const rawPerMax = maxActivation !== null && maxActivation > 0 ? maxActivation : 1;
  const sliderScale = row.unit === 'RAW' ? rawPerMax : 1;
  const changeUnit = (unit: StrengthUnit) => {
    if (unit === row.unit) return;
    const strength = unit === 'RAW' ? row.strength * rawPerMax : row.strength / rawPerMax;
    update({ unit, strength: Number(strength.toPrecision(4)) });
  };
  const intervention = readRow(row);
  const state: SteerState | null =
    typeof intervention === 'string' ? null : { prompt, interventions: [intervention], sampling: DEFAULT_SAMPLING };
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!prompt.trim()) return setError('Write a prompt to continue.');
    if (state === null) return setError(intervention as string);
    setBusy(true);
    setError(null);
    try {
      const { steer } = await clientRequest(STEER, steerVariables(state));
      setResult({ prompt, answer: steer });
    } catch (err) {
      setError(describeSteerFailure(err));
    } finally {
      setBusy(false);
    }
  };
  const unitLabel = STRENGTH_UNITS.find((u) => u.unit === row.unit)?.label;
  return (
    <section data-testid="steer-panel">
      <h2>Steer</h2>
      <form className="filters" onSubmit={submit}>
        <label style={{ flex: '1 1 20rem' }}>
          prompt
          <textarea
            name="prompt"
            rows={2}
            maxLength={2000}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
          />
        </label>
        <label>
          mode
          <select name="mode" value={row.mode} onChange={(e) => update({ mode: e.target.value as SteerMode })}>
            {STEER_MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label title="In units of this feature's max activation over the analysed corpus, or raw activation units (ADD: times its direction; CLAMP: its value).">
          <span>
            strength: <output data-testid="steer-strength">{row.strength}</output> {unitLabel}
          </span>
          <input
            type="range"
            name="strength"
            min={-20 * sliderScale}
            max={20 * sliderScale}
            step={0.5 * sliderScale}
            value={row.strength}
            disabled={row.mode === 'ABLATE'}
            onChange={(e) => update({ strength: Number(e.target.value) })}
          />
        </label>
        <label>
          unit
          <select name="unit" value={row.unit} onChange={(e) => changeUnit(e.target.value as StrengthUnit)}>
            {STRENGTH_UNITS.map((u) => (
              <option key={u.unit} value={u.unit}>
                {u.label}
              </option>
            ))}
          </select>
        </label>
        <label title="Token positions to steer at (0 is the first prompt token; generated tokens follow): all, or a list like 3,5-7.">
          positions
          <input
            name="positions"
            placeholder="all"
            size={8}
            value={row.positions}
            onChange={(e) => update({ positions: e.target.value })}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Steering…' : 'Steer'}
        </button>
      </form>
      {error && (
        <p className="error" role="alert" data-testid="steer-error">
          {error}
        </p>
      )}
      {result && <SteerResult prompt={result.prompt} result={result.answer} />}
      {state && (
        <p className="muted">
          <Link href={`/steer?${steerSearch(state)}`}>Combine with other features on /steer</Link>
        </p>
      )}
    </section>
  );
}
