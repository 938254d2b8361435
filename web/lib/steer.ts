// Steering in the web: the one place a steer request is built (the feature page's panel and the /steer page both
// read their fields through readRow and send steerVariables), the /steer page's state as URL parameters (so a
// result can be shared and a reload repeats the same request, same seed → same text), and which steered tokens
// differ from the default continuation.
import type { SteerMode, StrengthUnit } from './gql/graphql';

/**
 * One intervention as the URL spells it: `dictionaryId:index:mode:strength`, then `:RAW` for a raw strength (else
 * in units of the feature's max activation) and `:positions` (e.g. `3,5-7`) to steer only there; both optional.
 */
export interface Intervention {
  dictionaryId: string;
  index: number;
  mode: SteerMode;
  strength: number;
  unit: StrengthUnit;
  /** Token positions (0 = the first prompt token; generated tokens follow); null: every position. */
  positions: number[] | null;
}

/** An intervention as a form edits it: the positions still the text typed ('' or "all": every position). */
export type InterventionRow = Omit<Intervention, 'positions'> & { positions: string };

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
export const DEFAULT_UNIT: StrengthUnit = 'MAX';
export const STRENGTH_UNITS: readonly { unit: StrengthUnit; label: string }[] = [
  { unit: 'MAX', label: '× max act.' },
  { unit: 'RAW', label: 'raw' },
];
/** More positions than any prompt plus its new tokens can have: a typo like 1-100000 is refused here, not sent. */
const MAX_POSITIONS = 4096;

/** `3,5-7` → [3, 5, 6, 7]; '' or "all" → null (every position); else a message saying what to write. */
export function parsePositions(text: string): number[] | null | string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'all') return null;
  const positions = new Set<number>();
  for (const part of trimmed.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || to < from)
      return `positions "${text}": "${part}" is not a position or a range; write all, or a list like 3,5-7 (0 is the first prompt token)`;
    if (to - from + positions.size >= MAX_POSITIONS)
      return `positions "${text}": more than ${MAX_POSITIONS} positions; write all to steer every position`;
    for (let p = from; p <= to; p++) positions.add(p);
  }
  return [...positions].sort((a, b) => a - b);
}

/** [3, 5, 6, 7] → `3,5-7`; null → '' (every position). parsePositions reads it back. */
export function formatPositions(positions: readonly number[] | null): string {
  if (positions === null) return '';
  const runs: string[] = [];
  for (let i = 0; i < positions.length;) {
    let j = i;
    while (j + 1 < positions.length && positions[j + 1] === positions[j] + 1) j++;
    runs.push(j === i ? String(positions[i]) : `${positions[i]}-${positions[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

/** The row a form edits for an intervention. */
export function rowOf(i: Intervention): InterventionRow {
  return { ...i, positions: formatPositions(i.positions) };
}

/** A form's row → an Intervention, or the message naming what is wrong in it. */
export function readRow(row: InterventionRow): Intervention | string {
  if (!Number.isFinite(row.strength)) return 'strength: write a number';
  const positions = parsePositions(row.positions);
  return typeof positions === 'string' ? positions : { ...row, positions };
}

export function formatIntervention(i: Intervention): string {
  const base = `${i.dictionaryId}:${i.index}:${i.mode}:${i.strength}`;
  // The defaults are left out, so a URL from before units and positions reads as it did.
  if (i.positions !== null) return `${base}:${i.unit}:${formatPositions(i.positions)}`;
  return i.unit === DEFAULT_UNIT ? base : `${base}:${i.unit}`;
}

/** `dictionaryId:index:mode:strength[:unit[:positions]]` → an Intervention, or a message naming the bad part. */
export function parseIntervention(text: string): Intervention | string {
  const parts = text.split(':');
  if (parts.length < 4 || parts.length > 6)
    return `"${text}" is not dictionaryId:index:mode:strength, with optionally :MAX or :RAW and :positions (e.g. 3:100:ADD:4 or 3:100:ADD:1.5:RAW:3,5-7)`;
  const [dictionaryId, index, mode, strength, unit = DEFAULT_UNIT, positionsText = ''] = parts;
  if (!/^\d+$/.test(dictionaryId)) return `"${text}": dictionary id "${dictionaryId}" is not a number`;
  if (!/^\d+$/.test(index)) return `"${text}": feature index "${index}" is not a whole number`;
  if (!STEER_MODES.includes(mode as SteerMode))
    return `"${text}": mode "${mode}" is not one of ${STEER_MODES.join(', ')}`;
  const s = Number(strength);
  if (strength === '' || !Number.isFinite(s)) return `"${text}": strength "${strength}" is not a number`;
  if (!STRENGTH_UNITS.some((u) => u.unit === unit)) return `"${text}": unit "${unit}" is not MAX or RAW`;
  const positions = parsePositions(positionsText);
  if (typeof positions === 'string') return `"${text}": ${positions}`;
  return { dictionaryId, index: Number(index), mode: mode as SteerMode, strength: s, unit: unit as StrengthUnit, positions }; // prettier-ignore
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
  // Several interventions may share one `i`, comma-separated; a comma inside positions (3,5-7) is not followed by
  // the next one's `dictionaryId:`.
  for (const text of all(params.i)
    .flatMap((v) => v.split(/,(?=\s*\d+\s*:)/))
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

/** The variables of the STEER query for a state: what the panel sends from the browser and /steer from the server. */
export function steerVariables(state: SteerState) {
  return { prompt: state.prompt, interventions: state.interventions, sampling: state.sampling };
}

/** Per steered token, whether it differs from the default continuation's token at the same position. */
export function changedPositions(defaultIds: readonly number[], steeredIds: readonly number[]): boolean[] {
  return steeredIds.map((id, p) => defaultIds[p] !== id);
}
