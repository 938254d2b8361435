// The web's feature-page operation (web/lib/feature-page-query.ts) as the api's tests and benches send it: the api
// cannot import web code, so this copy must follow that file's fields.
export const FEATURE_PAGE_QUERY = `query FeaturePage($d: ID!, $i: Int!) {
  dictionary(id: $d) { id name hookPoint nLatents canAnalyzeText analysis { tokens } }
  feature(dictionaryId: $d, index: $i) {
    id index label labelScore unlabelledReason
    labelAssociations(first: 5) { name precision recall f1 }
    heldOutLabelScores { labelKind label name precision recall f1 rocAuc }
    density meanActivation maxActivation
    histogram { edges counts }
    logits { positive { token value } negative { token value } }
    topActivations(first: 20) { tokens activations maxActivation maxPosition docIndex tokenStart }
    quantileExamples(perBin: 2) { bin examples { tokens activations maxActivation maxPosition docIndex tokenStart } }
    neighbors(k: 10) { cosine feature { index label } }
    family { cosine feature { dictionaryId index label } }
    explanations { text source author score }
  }
}`;
