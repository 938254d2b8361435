// /steer: continue a prompt with and without interventions on several features (of dictionaries of one model). The
// whole request lives in the URL (prompt, i=dictionaryId:index:mode:strength[:unit[:positions]] repeated, tokens,
// temperature, seed), so a link shares a result and a reload repeats it: same seed, same text.
import { SteerForm } from '@/components/steer-form';
import { SteerResult } from '@/components/steer-result';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';
import { readSteerParams, steerVariables } from '@/lib/steer';
import { describeSteerFailure, STEER, type SteerAnswer } from '@/lib/steer-query';

export const dynamic = 'force-dynamic';

const STEERABLE = graphql(`
  query SteerableDictionaries {
    dictionaries {
      id
      name
      hookPoint
      hookPointOut
      canAnalyzeText
    }
  }
`);

export default async function SteerPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { state, problems } = readSteerParams(await searchParams);
  const ready = problems.length === 0 && state.prompt.trim() !== '' && state.interventions.length > 0;
  const [{ dictionaries }, outcome] = await Promise.all([
    request(STEERABLE, {}),
    ready
      ? request(STEER, steerVariables(state)).then(
          (r): { result: SteerAnswer } => ({ result: r.steer }),
          (err: unknown) => ({ error: describeSteerFailure(err) }),
        )
      : Promise.resolve(null),
  ]);
  const steerable = dictionaries.filter((d) => d.canAnalyzeText);
  return (
    <>
      <h1>Steer</h1>
      <p className="muted">
        Continue a prompt with and without pushing on features. Strength is in units of each feature&apos;s max
        activation unless its unit is raw; positions (all, or a list like 3,5-7; 0 is the first prompt token) limit
        where it steers; both continuations share the seed. The address holds the whole request: share it to share the
        result.
      </p>
      {steerable.length === 0 && (
        <p className="muted" data-testid="steer-unavailable">
          No dictionary on this server has its weights here, so none can steer.
        </p>
      )}
      {problems.length > 0 && (
        <div className="error" role="alert" data-testid="steer-error">
          {problems.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </div>
      )}
      <SteerForm key={JSON.stringify(state)} initial={state} dictionaries={steerable} />
      {outcome && 'error' in outcome && (
        <p className="error" role="alert" data-testid="steer-error">
          {outcome.error}
        </p>
      )}
      {outcome && 'result' in outcome && <SteerResult prompt={state.prompt} result={outcome.result} />}
    </>
  );
}
