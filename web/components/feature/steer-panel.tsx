'use client';
// Steer with this feature: a prompt, a mode and a strength in units of the feature's max activation; the api runs
// the model now (`steer`, one request at a time) and the default and steered continuations show side by side.
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { clientRequest } from '@/lib/client-request';
import {
  DEFAULT_MODE,
  DEFAULT_SAMPLING,
  DEFAULT_STRENGTH,
  STEER_MODES,
  steerInterventions,
  steerSearch,
} from '@/lib/steer';
import type { SteerMode } from '@/lib/gql/graphql';
import { describeSteerFailure, STEER, type SteerAnswer } from '@/lib/steer-query';
import { SteerResult } from '../steer-result';

export function SteerPanel({ dictionaryId, index }: { dictionaryId: string; index: number }) {
  const [prompt, setPrompt] = useState('The');
  const [mode, setMode] = useState<SteerMode>(DEFAULT_MODE);
  const [strength, setStrength] = useState(DEFAULT_STRENGTH);
  const [result, setResult] = useState<{ prompt: string; answer: SteerAnswer } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const state = { prompt, interventions: [{ dictionaryId, index, mode, strength }], sampling: DEFAULT_SAMPLING };
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!prompt.trim()) return setError('Write a prompt to continue.');
    setBusy(true);
    setError(null);
    try {
      const { steer } = await clientRequest(STEER, {
        prompt,
        interventions: steerInterventions(state.interventions),
        sampling: DEFAULT_SAMPLING,
      });
      setResult({ prompt, answer: steer });
    } catch (err) {
      setError(describeSteerFailure(err));
    } finally {
      setBusy(false);
    }
  };
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
          <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as SteerMode)}>
            {STEER_MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label title="In units of this feature's max activation over the analysed corpus (ADD: times its direction; CLAMP: its value).">
          <span>
            strength: <output data-testid="steer-strength">{strength}</output> × max act.
          </span>
          <input
            type="range"
            name="strength"
            min={-20}
            max={20}
            step={0.5}
            value={strength}
            disabled={mode === 'ABLATE'}
            onChange={(e) => setStrength(Number(e.target.value))}
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
      <p className="muted">
        <Link href={`/steer?${steerSearch(state)}`}>Combine with other features on /steer</Link>
      </p>
    </section>
  );
}
