// A downstream tool in a few lines: fetch a feature's top activations and its nearest features over GraphQL.
// `npx tsx examples/featureReport.ts <dictionaryId> <index> [api-url]`
const [dictionaryId = '1', index = '0', url = 'http://127.0.0.1:4000/graphql'] = process.argv.slice(2);

const query = /* GraphQL */ `
  query FeatureReport($d: ID!, $i: Int!) {
    feature(dictionaryId: $d, index: $i) {
      label
      density
      topActivations(first: 5) {
        tokens
        activations
        maxActivation
        maxPosition
      }
      neighbors(k: 5) {
        cosine
        feature {
          index
          label
        }
      }
    }
  }
`;

const res = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables: { d: dictionaryId, i: Number(index) } }),
});
const { data, errors } = (await res.json()) as {
  data?: {
    feature: {
      label: string | null;
      density: number | null;
      topActivations: { tokens: string[]; maxActivation: number; maxPosition: number }[];
      neighbors: { cosine: number; feature: { index: number; label: string | null } }[];
    } | null;
  };
  errors?: { message: string; extensions: { code: string } }[];
};
if (errors) throw new Error(errors.map((e) => `${e.extensions.code}: ${e.message}`).join('\n'));
const f = data!.feature;
if (!f) throw new Error(`no feature ${index} in dictionary ${dictionaryId}`);
console.log(`feature ${index}: ${f.label ?? 'unlabelled'} (density ${f.density})`);
for (const e of f.topActivations)
  console.log(
    `  ${e.maxActivation.toFixed(2)}  ${e.tokens.map((t, i) => (i === e.maxPosition ? `[${t}]` : t)).join('')}`,
  );
for (const n of f.neighbors)
  console.log(`  near #${n.feature.index} ${n.feature.label ?? ''} (cos ${n.cosine.toFixed(2)})`);
