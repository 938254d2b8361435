// GPT-2's byte-to-unicode table (openai/gpt-2 src/encoder.py, `bytes_to_unicode`): every byte maps to a
// printable character so BPE merges can be written as text in tokenizer.json. Space becomes 'Ġ'.

/** `byteToChar[b]` is the printable stand-in for byte b. */
export const byteToChar: string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
})();

/** Inverse of `byteToChar`. */
export const charToByte: Map<string, number> = new Map(byteToChar.map((c, b) => [c, b]));

/** The 256 byte stand-ins in GPT-2's vocabulary order (printable ASCII first, as its vocab.json has them). */
export const byteAlphabet: string[] = (() => {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) order.push(b);
  for (let b = 0xa1; b <= 0xac; b++) order.push(b);
  for (let b = 0xae; b <= 0xff; b++) order.push(b);
  for (let b = 0; b < 256; b++) if (!order.includes(b)) order.push(b);
  return order.map((b) => byteToChar[b]);
})();

/** GPT-2's pre-tokenizer pattern: contractions, letter runs, digit runs, other runs, whitespace. */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

/**
 * A pre-token's bytes as stand-in characters, plus the character (UTF-16) offset, relative to the piece,
 * at which each byte's character starts; `charStart[bytes.length]` is the piece length.
 */
export function toByteChars(piece: string): { chars: string; charStart: number[] | null } {
  let ascii = true;
  for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) > 0x7f) ascii = false;
  if (ascii) {
    let chars = '';
    for (let i = 0; i < piece.length; i++) chars += byteToChar[piece.charCodeAt(i)];
    return { chars, charStart: null };
  }
  let chars = '';
  const charStart: number[] = [];
  let i = 0;
  for (const cp of piece) {
    const bytes = encoder.encode(cp);
    for (const b of bytes) {
      chars += byteToChar[b];
      charStart.push(i);
    }
    i += cp.length;
  }
  charStart.push(piece.length);
  return { chars, charStart };
}
