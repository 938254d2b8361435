// A feature's page at one version of its data (the api's ETag of the page's operation), where proxy.ts rewrites
// the public address /d/:d/f/:i. Rendered on the first request of each version and then served from the page
// cache (next.config.ts bounds it in memory): a change to what the page shows is a new version, so a new render,
// and the old one ages out. Never linked: the proxy answers 404 to a request for this address from outside.
import { featurePage } from '@/components/feature/feature-page';

// No version is known at build time; each is rendered when first asked for and cached for good.
export const dynamicParams = true;
export const revalidate = false;
export function generateStaticParams(): { dictionaryId: string; index: string; version: string }[] {
  return [];
}

export default async function VersionedFeaturePage({
  params,
}: {
  params: Promise<{ dictionaryId: string; index: string; version: string }>;
}) {
  const { dictionaryId, index } = await params;
  return featurePage(dictionaryId, index);
}
