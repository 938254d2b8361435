// A feature's page at its public address. The proxy (proxy.ts) rewrites each request to the versioned route beside it
// (v/[version]), whose render is cached per version; this route renders per request only when the api gave no
// version: an error answer (404, the api down), shown as such.
import { featurePage } from '@/components/feature/feature-page';

export const dynamic = 'force-dynamic';

export default async function FeaturePage({ params }: { params: Promise<{ dictionaryId: string; index: string }> }) {
  const { dictionaryId, index } = await params;
  return featurePage(dictionaryId, index);
}
