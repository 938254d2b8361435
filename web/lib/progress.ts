// How a job's progress reads to a person: remaining time, throughput, and whether it is still moving.

/** States in which a job can still change, so the jobs pages keep polling. */
export const LIVE_STATES = ['queued', 'running'];

export function isLive(state: string): boolean {
  return LIVE_STATES.includes(state);
}

/** Remaining time as the two largest units ("1 h 05 min", "3 min 20 s", "42 s"); an em dash when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Throughput with SI prefixes ("12.3k tokens/s"); an em dash when the job reports none. */
export function formatRate(rate: number | null | undefined, unit: string | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate) || rate < 0) return '—';
  const per = `${unit ?? 'units'}/s`;
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M ${per}`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k ${per}`;
  return `${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)} ${per}`;
}

/** Fraction done as a whole percentage, clamped to 0-100 (a worker may overshoot by rounding). */
export function formatFraction(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}
