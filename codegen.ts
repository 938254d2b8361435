// Typed GraphQL client for the web (and a pattern for downstream tools): types generated from the checked-in
// api/schema.graphql and the operations written in the web's pages. `npm run codegen` after changing either.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'api/schema.graphql',
  documents: ['web/app/**/*.tsx', 'web/components/**/*.tsx', 'web/lib/*.ts', 'examples/**/*.ts'],
  ignoreNoDocuments: true,
  generates: {
    'web/lib/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string', JSONObject: 'Record<string, unknown>' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
