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
    "\n  query FeatureReport($d: ID!, $i: Int!) {\n    feature(dictionaryId: $d, index: $i) {\n      label\n      density\n      topActivations(first: 5) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n      }\n      neighbors(k: 5) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n    }\n  }\n": typeof types.FeatureReportDocument,
    "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n      analysis {\n        tokens\n      }\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n": typeof types.FeaturePageDocument,
    "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        mapMethod\n        neverFired\n      }\n    }\n    featureMap(dictionaryId: $id, filter: $filter) {\n      indices\n      x\n      y\n      density\n      labels\n      matches\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n": typeof types.DictionaryPageDocument,
    "\n  query Home {\n    dictionaries {\n      id\n      name\n      modelName\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        neverFired\n        rarelyFired\n      }\n      curves {\n        tokens\n        fvu\n      }\n      latestJob {\n        id\n        type\n        state\n        progress {\n          fraction\n        }\n      }\n    }\n  }\n": typeof types.HomeDocument,
    "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": typeof types.SearchFeaturesDocument,
    "\n  query DictionaryNames {\n    dictionaries {\n      id\n      name\n      hookPoint\n      canAnalyzeText\n    }\n  }\n": typeof types.DictionaryNamesDocument,
    "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": typeof types.FeaturesByTokenDocument,
    "\n  mutation SetExplanation($d: ID!, $i: Int!, $text: String!) {\n    setExplanation(dictionaryId: $d, index: $i, text: $text) {\n      id\n      text\n      source\n      author\n      score\n    }\n  }\n": typeof types.SetExplanationDocument,
    "\n  mutation ExportDictionary($input: ExportDictionaryInput!) {\n    exportDictionary(input: $input) {\n      id\n      state\n      payload\n    }\n  }\n": typeof types.ExportDictionaryDocument,
    "\n  mutation ImportSae($input: ImportSaeInput!) {\n    importSae(input: $input) {\n      id\n    }\n  }\n": typeof types.ImportSaeDocument,
    "\n  query AnalyzeText($text: String!, $dictionaryIds: [ID!]!) {\n    analyzeText(text: $text, dictionaryIds: $dictionaryIds, topK: 5) {\n      modelName\n      hookPoint\n      elapsedMs\n      tokens {\n        position\n        text\n        features {\n          dictionaryId\n          index\n          activation\n          feature {\n            label\n          }\n        }\n      }\n    }\n  }\n": typeof types.AnalyzeTextDocument,
    "\n  fragment JobFields on Job {\n    id\n    type\n    state\n    payload\n    error\n    attempts\n    dictionaryId\n    createdAt\n    startedAt\n    finishedAt\n    progress {\n      fraction\n      rate\n      unit\n      etaSeconds\n      message\n    }\n  }\n": typeof types.JobFieldsFragmentDoc,
    "\n  query Jobs {\n    jobs(first: 30) {\n      ...JobFields\n    }\n  }\n": typeof types.JobsDocument,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      ...JobFields\n    }\n  }\n": typeof types.JobDocument,
    "\n  query JobLogs($id: ID!) {\n    job(id: $id) {\n      logs(last: 50) {\n        at\n        level\n        message\n      }\n    }\n  }\n": typeof types.JobLogsDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      ...JobFields\n    }\n  }\n": typeof types.CancelJobDocument,
};
const documents: Documents = {
    "\n  query FeatureReport($d: ID!, $i: Int!) {\n    feature(dictionaryId: $d, index: $i) {\n      label\n      density\n      topActivations(first: 5) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n      }\n      neighbors(k: 5) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n    }\n  }\n": types.FeatureReportDocument,
    "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n      analysis {\n        tokens\n      }\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n": types.FeaturePageDocument,
    "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        mapMethod\n        neverFired\n      }\n    }\n    featureMap(dictionaryId: $id, filter: $filter) {\n      indices\n      x\n      y\n      density\n      labels\n      matches\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n": types.DictionaryPageDocument,
    "\n  query Home {\n    dictionaries {\n      id\n      name\n      modelName\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        neverFired\n        rarelyFired\n      }\n      curves {\n        tokens\n        fvu\n      }\n      latestJob {\n        id\n        type\n        state\n        progress {\n          fraction\n        }\n      }\n    }\n  }\n": types.HomeDocument,
    "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": types.SearchFeaturesDocument,
    "\n  query DictionaryNames {\n    dictionaries {\n      id\n      name\n      hookPoint\n      canAnalyzeText\n    }\n  }\n": types.DictionaryNamesDocument,
    "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n": types.FeaturesByTokenDocument,
    "\n  mutation SetExplanation($d: ID!, $i: Int!, $text: String!) {\n    setExplanation(dictionaryId: $d, index: $i, text: $text) {\n      id\n      text\n      source\n      author\n      score\n    }\n  }\n": types.SetExplanationDocument,
    "\n  mutation ExportDictionary($input: ExportDictionaryInput!) {\n    exportDictionary(input: $input) {\n      id\n      state\n      payload\n    }\n  }\n": types.ExportDictionaryDocument,
    "\n  mutation ImportSae($input: ImportSaeInput!) {\n    importSae(input: $input) {\n      id\n    }\n  }\n": types.ImportSaeDocument,
    "\n  query AnalyzeText($text: String!, $dictionaryIds: [ID!]!) {\n    analyzeText(text: $text, dictionaryIds: $dictionaryIds, topK: 5) {\n      modelName\n      hookPoint\n      elapsedMs\n      tokens {\n        position\n        text\n        features {\n          dictionaryId\n          index\n          activation\n          feature {\n            label\n          }\n        }\n      }\n    }\n  }\n": types.AnalyzeTextDocument,
    "\n  fragment JobFields on Job {\n    id\n    type\n    state\n    payload\n    error\n    attempts\n    dictionaryId\n    createdAt\n    startedAt\n    finishedAt\n    progress {\n      fraction\n      rate\n      unit\n      etaSeconds\n      message\n    }\n  }\n": types.JobFieldsFragmentDoc,
    "\n  query Jobs {\n    jobs(first: 30) {\n      ...JobFields\n    }\n  }\n": types.JobsDocument,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      ...JobFields\n    }\n  }\n": types.JobDocument,
    "\n  query JobLogs($id: ID!) {\n    job(id: $id) {\n      logs(last: 50) {\n        at\n        level\n        message\n      }\n    }\n  }\n": types.JobLogsDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      ...JobFields\n    }\n  }\n": types.CancelJobDocument,
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
export function graphql(source: "\n  query FeatureReport($d: ID!, $i: Int!) {\n    feature(dictionaryId: $d, index: $i) {\n      label\n      density\n      topActivations(first: 5) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n      }\n      neighbors(k: 5) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FeatureReport($d: ID!, $i: Int!) {\n    feature(dictionaryId: $d, index: $i) {\n      label\n      density\n      topActivations(first: 5) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n      }\n      neighbors(k: 5) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n      analysis {\n        tokens\n      }\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n"): (typeof documents)["\n  query FeaturePage($d: ID!, $i: Int!) {\n    dictionary(id: $d) {\n      id\n      name\n      hookPoint\n      nLatents\n      analysis {\n        tokens\n      }\n    }\n    feature(dictionaryId: $d, index: $i) {\n      id\n      index\n      label\n      labelScores\n      density\n      meanActivation\n      maxActivation\n      histogram {\n        edges\n        counts\n      }\n      logits {\n        positive {\n          token\n          value\n        }\n        negative {\n          token\n          value\n        }\n      }\n      topActivations(first: 20) {\n        tokens\n        activations\n        maxActivation\n        maxPosition\n        docIndex\n        tokenStart\n      }\n      quantileExamples(perBin: 2) {\n        bin\n        examples {\n          tokens\n          activations\n          maxActivation\n          maxPosition\n          docIndex\n          tokenStart\n        }\n      }\n      neighbors(k: 10) {\n        cosine\n        feature {\n          index\n          label\n        }\n      }\n      family {\n        cosine\n        feature {\n          dictionaryId\n          index\n          label\n        }\n      }\n      explanations {\n        text\n        source\n        author\n        score\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        mapMethod\n        neverFired\n      }\n    }\n    featureMap(dictionaryId: $id, filter: $filter) {\n      indices\n      x\n      y\n      density\n      labels\n      matches\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DictionaryPage($id: ID!, $filter: FeatureFilter, $orderBy: FeatureOrder!, $after: String) {\n    dictionary(id: $id) {\n      id\n      name\n      hookPoint\n      architecture\n      dIn\n      nLatents\n      k\n      status\n      curves {\n        tokens\n        loss\n        l0\n        fvu\n        deadFraction\n      }\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        mapMethod\n        neverFired\n      }\n    }\n    featureMap(dictionaryId: $id, filter: $filter) {\n      indices\n      x\n      y\n      density\n      labels\n      matches\n    }\n    features(dictionaryId: $id, filter: $filter, orderBy: $orderBy, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          index\n          label\n          density\n          maxActivation\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Home {\n    dictionaries {\n      id\n      name\n      modelName\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        neverFired\n        rarelyFired\n      }\n      curves {\n        tokens\n        fvu\n      }\n      latestJob {\n        id\n        type\n        state\n        progress {\n          fraction\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Home {\n    dictionaries {\n      id\n      name\n      modelName\n      hookPoint\n      architecture\n      nLatents\n      status\n      metrics {\n        l0\n        fvu\n        deadFraction\n        ceLossRecovered\n      }\n      analysis {\n        tokens\n        neverFired\n        rarelyFired\n      }\n      curves {\n        tokens\n        fvu\n      }\n      latestJob {\n        id\n        type\n        state\n        progress {\n          fraction\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"): (typeof documents)["\n  query SearchFeatures($q: String!) {\n    searchFeatures(query: $q, first: 50) {\n      score\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DictionaryNames {\n    dictionaries {\n      id\n      name\n      hookPoint\n      canAnalyzeText\n    }\n  }\n"): (typeof documents)["\n  query DictionaryNames {\n    dictionaries {\n      id\n      name\n      hookPoint\n      canAnalyzeText\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"): (typeof documents)["\n  query FeaturesByToken($t: String!) {\n    featuresByToken(token: $t, first: 50) {\n      token\n      maxActivation\n      feature {\n        dictionaryId\n        index\n        label\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetExplanation($d: ID!, $i: Int!, $text: String!) {\n    setExplanation(dictionaryId: $d, index: $i, text: $text) {\n      id\n      text\n      source\n      author\n      score\n    }\n  }\n"): (typeof documents)["\n  mutation SetExplanation($d: ID!, $i: Int!, $text: String!) {\n    setExplanation(dictionaryId: $d, index: $i, text: $text) {\n      id\n      text\n      source\n      author\n      score\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExportDictionary($input: ExportDictionaryInput!) {\n    exportDictionary(input: $input) {\n      id\n      state\n      payload\n    }\n  }\n"): (typeof documents)["\n  mutation ExportDictionary($input: ExportDictionaryInput!) {\n    exportDictionary(input: $input) {\n      id\n      state\n      payload\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportSae($input: ImportSaeInput!) {\n    importSae(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation ImportSae($input: ImportSaeInput!) {\n    importSae(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AnalyzeText($text: String!, $dictionaryIds: [ID!]!) {\n    analyzeText(text: $text, dictionaryIds: $dictionaryIds, topK: 5) {\n      modelName\n      hookPoint\n      elapsedMs\n      tokens {\n        position\n        text\n        features {\n          dictionaryId\n          index\n          activation\n          feature {\n            label\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AnalyzeText($text: String!, $dictionaryIds: [ID!]!) {\n    analyzeText(text: $text, dictionaryIds: $dictionaryIds, topK: 5) {\n      modelName\n      hookPoint\n      elapsedMs\n      tokens {\n        position\n        text\n        features {\n          dictionaryId\n          index\n          activation\n          feature {\n            label\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobFields on Job {\n    id\n    type\n    state\n    payload\n    error\n    attempts\n    dictionaryId\n    createdAt\n    startedAt\n    finishedAt\n    progress {\n      fraction\n      rate\n      unit\n      etaSeconds\n      message\n    }\n  }\n"): (typeof documents)["\n  fragment JobFields on Job {\n    id\n    type\n    state\n    payload\n    error\n    attempts\n    dictionaryId\n    createdAt\n    startedAt\n    finishedAt\n    progress {\n      fraction\n      rate\n      unit\n      etaSeconds\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Jobs {\n    jobs(first: 30) {\n      ...JobFields\n    }\n  }\n"): (typeof documents)["\n  query Jobs {\n    jobs(first: 30) {\n      ...JobFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Job($id: ID!) {\n    job(id: $id) {\n      ...JobFields\n    }\n  }\n"): (typeof documents)["\n  query Job($id: ID!) {\n    job(id: $id) {\n      ...JobFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobLogs($id: ID!) {\n    job(id: $id) {\n      logs(last: 50) {\n        at\n        level\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query JobLogs($id: ID!) {\n    job(id: $id) {\n      logs(last: 50) {\n        at\n        level\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      ...JobFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) {\n      ...JobFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;