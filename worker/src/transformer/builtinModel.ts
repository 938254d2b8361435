// Where the committed tiny LM lives; a module of its own so commands can name it without loading TF.js.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models');

/** The committed tiny LM trained on Brown (`--model builtin`). */
export const BUILTIN_MODEL_DIR = resolve(MODELS_DIR, 'tiny-brown');

/** The committed four-layer LM on the same tokenizer (`--model builtin:tiny-brown-4l`), for circuits. */
export const BUILTIN_4L_MODEL_DIR = resolve(MODELS_DIR, 'tiny-brown-4l');
