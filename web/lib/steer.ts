// Steering in the web: the /steer page's state as URL parameters (so a result can be shared and a reload repeats the
// same request, same seed → same text), and which steered tokens differ from the default continuation.
import type { SteerMode } from './gql/graphql';

/** One intervention as the URL spells it: `dictionaryId:index:mode:strength` (strength in units of max activation). */
export interface Intervention {
  dictionaryId: string;
  index: number;
  mode: SteerMode;
  strength: number;
}

export interface Sampling {
  maxNewTokens: number;
  temperature: number;
  seed: number;
}

export interface SteerState {
  prompt: string;
  interventions: Intervention[];
  sampling: Sampling;
}

/** A few × the feature's max activation: enough to move a small model's text visibly without turning it to noise. */
export const DEFAULT_STRENGTH = 4;
export const DEFAULT_MODE: SteerMode = 'ADD';
export const DEFAULT_SAMPLING: Sampling = { maxNewTokens: 24, temperature: 0, seed: 0 };
export const STEER_MODES: readonly SteerMode[] = ['ADD', 'CLAMP', 'ABLATE'];

export function formatIntervention(i: Intervention): string {
  return `${i.dictionaryId}:${i.index}:${i.mode}:${i.strength}`;
}

/** `dictionaryId:index:mode:strength` → an Intervention, or a message naming the bad part. */
export function parseIntervention(text: string): Intervention | string {
  const parts = text.split(':');
  if (parts.length !== 4) return `"${text}" is not dictionaryId:index:mode:strength (e.g. 3:100:ADD:4)`;
  const [dictionaryId, index, mode, strength] = parts;
  if (!/^\d+$/.test(dictionaryId)) return `"${text}": dictionary id "${dictionaryId}" is not a number`;
  if (!/^\d+$/.test(index)) return `"${text}": feature index "${index}" is not a whole number`;
  if (!STEER_MODES.includes(mode as SteerMode))
    return `"${text}": mode "${mode}" is not one of ${STEER_MODES.join(', ')}`;
  const s = Number(strength);
  if (strength === '' || !Number.isFinite(s)) return `"${text}": strength "${strength}" is not a number`;
  return { dictionaryId, index: Number(index), mode: mode as SteerMode, strength: s };
}

type Params = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function numberOr(v: string | undefined, fallback: number): number {
  const n = v === undefined || v.trim() === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

/** The state in a URL's parameters (`prompt`, `i` repeated, `tokens`, `temperature`, `seed`), and what was unreadable. */
export function readSteerParams(params: Params): { state: SteerState; problems: string[] } {
  const problems: string[] = [];
  const interventions: Intervention[] = [];
  for (const text of all(params.i)
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')) {
    const parsed = parseIntervention(text.trim());
    if (typeof parsed === 'string') problems.push(parsed);
    else interventions.push(parsed);
  }
  return {
    state: {
      prompt: first(params.prompt) ?? '',
      interventions,
      sampling: {
        maxNewTokens: numberOr(first(params.tokens), DEFAULT_SAMPLING.maxNewTokens),
        temperature: numberOr(first(params.temperature), DEFAULT_SAMPLING.temperature),
        seed: numberOr(first(params.seed), DEFAULT_SAMPLING.seed),
      },
    },
    problems,
  };
}

/** The query string (without `?`) of a state; readSteerParams reads it back unchanged. */
export function steerSearch(state: SteerState): string {
  const q = new URLSearchParams();
  q.set('prompt', state.prompt);
  for (const i of state.interventions) q.append('i', formatIntervention(i));
  q.set('tokens', String(state.sampling.maxNewTokens));
  q.set('temperature', String(state.sampling.temperature));
  q.set('seed', String(state.sampling.seed));
  return q.toString();
}

/** The api's SteerInterventionInput for each intervention (strength in units of the feature's max activation). */
export function steerInterventions(interventions: Intervention[]) {
  return interventions.map((i) => ({ ...i, unit: 'MAX' as const }));
}

/** Per steered token, whether it differs from the default continuation's token at the same position. */
export function changedPositions(defaultIds: readonly number[], steeredIds: readonly number[]): boolean[] {
  return steeredIds.map((id, p) => defaultIds[p] !== id);
}
