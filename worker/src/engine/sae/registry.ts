// SAE variants by architecture name (SAELens registry.py's role): one line per variant.
import { AtlasError } from '../../errors.js';
import type { Architecture } from './architecture.js';
import { batchTopk } from './batchTopk.js';
import { jumprelu } from './jumprelu.js';
import { relu } from './relu.js';
import { topk } from './topk.js';
import { transcoder } from './transcoder.js';

const registry = new Map<string, Architecture<never>>();

/** Register a variant; a second one under the same name is a programming error. */
export function registerArchitecture(arch: Architecture<never>): void {
  if (registry.has(arch.name)) throw new Error(`SAE architecture '${arch.name}' is already registered`);
  registry.set(arch.name, arch);
}

registerArchitecture(topk as Architecture<never>);
registerArchitecture(batchTopk as Architecture<never>);
registerArchitecture(relu as Architecture<never>);
registerArchitecture(jumprelu as Architecture<never>);
registerArchitecture(transcoder as Architecture<never>);

/** Registered names, for help texts. */
export const architectureNames = (): string[] => [...registry.keys()];

/** The variant called `name`, or ARGUMENT_INVALID listing the known ones. */
export function getArchitecture(name: string): Architecture<Record<string, unknown>> {
  const arch = registry.get(name);
  if (!arch)
    throw new AtlasError('ARGUMENT_INVALID', `--arch ${name} is unknown; use one of ${architectureNames().join(', ')}`);
  return arch as unknown as Architecture<Record<string, unknown>>;
}
