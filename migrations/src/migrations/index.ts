import { Init1732600000000 } from './1732600000000-Init.js';

/** Every migration, in order. */
export const migrations = [Init1732600000000];
