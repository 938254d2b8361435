// The home page: every dictionary in the atlas with its headline figures.
import { DictionaryTable } from '@/components/dictionary-table';
import { graphql } from '@/lib/gql';
import { request } from '@/lib/graphql';

export const dynamic = 'force-dynamic';

const DICTIONARIES = graphql(`
  query Home {
    dictionaries {
      id
      name
      modelName
      hookPoint
      architecture
      nLatents
      status
      metrics {
        l0
        fvu
        deadFraction
        ceLossRecovered
      }
      analysis {
        tokens
        neverFired
        rarelyFired
      }
      curves {
        tokens
        fvu
      }
      latestJob {
        id
        type
        state
        progress {
          fraction
        }
      }
    }
  }
`);

export default async function HomePage() {
  const { dictionaries } = await request(DICTIONARIES, {});
  return (
    <>
      <h1>Dictionaries</h1>
      <DictionaryTable dictionaries={dictionaries} />
    </>
  );
}
