// The feature table's numeric filters arrive as text in the URL; a value that is not a percentage must be said
// out loud (naming the field), never dropped, or the table would list features the person meant to exclude.

/** A percentage field of the filter form: its value as a fraction, or the message that names what is wrong. */
export type PercentField = { fraction?: number; error?: string };

/** `raw` (what was typed in the field labelled `field`) as a fraction of 1; empty means no condition. */
export function parsePercent(field: string, raw: string | undefined): PercentField {
  const text = raw?.trim() ?? '';
  if (text === '') return {};
  // Number() alone would take "0x10", "1e2" and "" as numbers; a person types digits and one decimal point.
  const value = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value))
    return { error: `${field}: "${text}" is not a number; enter a percentage from 0 to 100, such as 0.5.` };
  if (value < 0 || value > 100)
    return { error: `${field}: ${text} is outside 0 to 100; enter a percentage from 0 to 100.` };
  return { fraction: value / 100 };
}
