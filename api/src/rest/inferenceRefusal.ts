// The services' refusals of a text or a steer (written for the client, naming their own fields) as 400s naming the
// REST request's fields instead; anything else is rethrown.
import { InferenceRefused } from '@atlas/worker/inference/errors';
import { AnalysisRefused } from '../services/textAnalysisService.js';
import { SteeringBusy } from '../services/steering/steeringService.js';
import { RestError } from './restError.js';

/** Each [service field pattern, request field] pair rewrites a refusal's leading field name. */
export type FieldRenames = readonly (readonly [RegExp, string])[];

export function asRestError(err: unknown, renames: FieldRenames = []): unknown {
  if (err instanceof SteeringBusy) return new RestError(503, err.message);
  if (err instanceof AnalysisRefused || err instanceof InferenceRefused)
    return new RestError(
      400,
      renames.reduce((m, [field, name]) => m.replace(field, name), err.message),
    );
  return err;
}
