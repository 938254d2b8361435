// Token tinting: one hue (orange, distinguishable in every common colour-vision deficiency) whose opacity grows
// with the activation relative to the feature's maximum.

/** Background colour for a token with activation `value` when the scale tops at `max`. */
export function tint(value: number, max: number): string {
  if (!(max > 0) || !(value > 0)) return 'transparent';
  const a = Math.min(1, value / max);
  return `rgba(230, 97, 0, ${(0.08 + 0.77 * a).toFixed(3)})`;
}

/** Text colour that stays readable on the tint. */
export function tintText(value: number, max: number): string {
  return max > 0 && value / max > 0.6 ? '#fff' : 'inherit';
}

/** Activations shown to people: 3 significant digits, no exponent for ordinary values. */
export function formatActivation(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000 || abs < 0.001) return value.toExponential(2);
  return value.toPrecision(3);
}

/** How a token looks in a window: spaces visible at the start, newlines as ↵. */
export function displayToken(token: string): string {
  return token.replace(/\n/g, '↵').replace(/^ /, '\u00a0');
}

/** Whether a line may break between `previous` and `token`: at whitespace, never inside a word's subword tokens. */
export function startsWord(previous: string, token: string): boolean {
  return /^\s/.test(token) || /\s$/.test(previous);
}
