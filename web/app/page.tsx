import { DictionaryTable, type DictionaryRow } from '@/components/dictionary-table';
import { graphql } from '@/lib/graphql';

export const dynamic = 'force-dynamic';

const DICTIONARIES = /* GraphQL */ `
  query Home {
    dictionaries {
      id
      name
      hookPoint
      architecture
      nLatents
      status
      metrics {
        l0
        fvu
        deadFraction
      }
    }
  }
`;

export default async function HomePage() {
  const { dictionaries } = await graphql<{ dictionaries: DictionaryRow[] }>(DICTIONARIES);
  return (
    <>
      <h1>Dictionaries</h1>
      <DictionaryTable dictionaries={dictionaries} />
    </>
  );
}
