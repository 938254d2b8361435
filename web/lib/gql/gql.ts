/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n": typeof types.FeaturePageDocument,
    "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n    }\n    featureMap(dictionaryId: $id) {\n      indices\n      x\n      y\n      density\n      labels\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n": typeof types.DictionaryPageDocument,
    "\n  query Home {\n    dictionaries {\n      id\n      name\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n      }\n    }\n  }\n": typeof types.HomeDocument,
    "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": typeof types.SearchFeaturesDocument,
    "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": typeof types.FeaturesByTokenDocument,
};
const documents: Documents = {
    "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n": types.FeaturePageDocument,
    "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n    }\n    featureMap(dictionaryId: $id) {\n      indices\n      x\n      y\n      density\n      labels\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n": types.DictionaryPageDocument,
    "\n  query Home {\n    dictionaries {\n      id\n      name\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n      }\n    }\n  }\n": types.HomeDocument,
    "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": types.SearchFeaturesDocument,
    "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": types.FeaturesByTokenDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n"): (typeof documents)["\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n    }\n    featureMap(dictionaryId: $id) {\n      indices\n      x\n      y\n      density\n      labels\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n    }\n    featureMap(dictionaryId: $id) {\n      indices\n      x\n      y\n      density\n      labels\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Home {\n    dictionaries {\n      id\n      name\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n      }\n    }\n  }\n"): (typeof documents)["\n  query Home {\n    dictionaries {\n      id\n      name\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"): (typeof documents)["\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"): (typeof documents)["\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;