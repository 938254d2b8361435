// The feature page's one operation, in a plain module so its sections' components take their props' types from it.
import { print } from 'graphql';
import { graphql } from './gql';
import type { FeaturePageQuery } from './gql/graphql';

/** A feature with everything its page shows, and its dictionary. */
export const FEATURE_PAGE = graphql(`
  query FeaturePage($d: ID!, $i: Int!) {
    dictionary(id: $d) {
      id
      name
      hookPoint
      nLatents
      canAnalyzeText
      analysis {
        tokens
      }
    }
    feature(dictionaryId: $d, index: $i) {
      id
      index
      label
      labelScore
      unlabelledReason
      labelAssociations(first: 5) {
        name
        precision
        recall
        f1
      }
      heldOutLabelScores {
        labelKind
        label
        name
        precision
        recall
        f1
        rocAuc
      }
      density
      meanActivation
      maxActivation
      histogram {
        edges
        counts
      }
      logits {
        positive {
          token
          value
        }
        negative {
          token
          value
        }
      }
      topActivations(first: 20) {
        tokens
        activations
        maxActivation
        maxPosition
        docIndex
        tokenStart
      }
      quantileExamples(perBin: 2) {
        bin
        examples {
          tokens
          activations
          maxActivation
          maxPosition
          docIndex
          tokenStart
        }
      }
      neighbors(k: 10) {
        cosine
        feature {
          index
          label
        }
      }
      family {
        cosine
        feature {
          dictionaryId
          index
          label
        }
      }
      explanations {
        text
        source
        author
        score
      }
      graphs {
        id
        title
        modelName
        prompt
        createdAt
      }
    }
  }
`);

export type FeaturePageDictionary = NonNullable<FeaturePageQuery['dictionary']>;
export type FeaturePageFeature = NonNullable<FeaturePageQuery['feature']>;

/**
 * The feature page's operation as a GET URL of the api: the page's own fetch, the proxy's version check and the
 * page's JSON link are this one URL, which the api answers from its cache with an ETag.
 */
export function featurePageUrl(apiUrl: string, dictionaryId: string, index: number): string {
  return `${apiUrl}?query=${encodeURIComponent(featurePageText())}&variables=${encodeURIComponent(JSON.stringify({ d: dictionaryId, i: index }))}`;
}

let printed: string | undefined;
const featurePageText = () => (printed ??= print(FEATURE_PAGE));
