// Where the committed tiny LM lives; a module of its own so commands can name it without loading TF.js.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models');

/** The committed tiny LM trained on Brown (`--model builtin`). */
export const BUILTIN_MODEL_DIR = resolve(MODELS_DIR, 'tiny-brown');

/** The committed four-layer LM on the same tokenizer (`--model builtin:tiny-brown-4l`), for circuits. */
export const BUILTIN_4L_MODEL_DIR = resolve(MODELS_DIR, 'tiny-brown-4l');

/** The committed model a `--model` spec names (`builtin`, `builtin:tiny-brown`, `builtin:tiny-brown-4l`), if any. */
export function builtinModel(spec: string): { dir: string; name: string } | undefined {
  if (spec === 'builtin' || spec === 'builtin:tiny-brown')
    return { dir: BUILTIN_MODEL_DIR, name: 'builtin:tiny-brown' };
  if (spec === 'builtin:tiny-brown-4l') return { dir: BUILTIN_4L_MODEL_DIR, name: spec };
  return undefined;
}
