// Where the committed tiny LM lives; a module of its own so commands can name it without loading TF.js.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed tiny LM trained on Brown (`--model builtin`). */
export const BUILTIN_MODEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/tiny-brown');
