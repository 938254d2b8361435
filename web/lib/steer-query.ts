// The steer operation shared by the feature page's panel (from the browser) and the /steer page (on the server).
import { ApiAnswerError } from './api-answer';
import { graphql } from './gql';
import type { SteerQuery } from './gql/graphql';

export const STEER = graphql(`
  query Steer($prompt: String!, $interventions: [SteerInterventionInput!]!, $sampling: SamplingInput) {
    steer(prompt: $prompt, interventions: $interventions, sampling: $sampling) {
      modelName
      promptTokens
      elapsedMs
      default {
        text
        tokens {
          id
          text
        }
      }
      steered {
        text
        tokens {
          id
          text
          changed {
            text
            steered
            default
          }
        }
      }
    }
  }
`);

export type SteerAnswer = SteerQuery['steer'];

/** What a person should read when steering failed: BUSY says to retry, BAD_USER_INPUT keeps the api's message. */
export function describeSteerFailure(err: unknown): string {
  if (err instanceof ApiAnswerError && err.code === 'BUSY')
    return `The model is busy with other steering requests (BUSY). Try again in a few seconds. (${err.message})`;
  if (err instanceof ApiAnswerError && err.code === 'BAD_USER_INPUT') return `Cannot steer this: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
