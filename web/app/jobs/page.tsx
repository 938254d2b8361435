// /jobs: the newest jobs, followed live, and the form that imports a SAE folder on the server as a job.
import { ImportForm } from '@/components/import-form';
import { JobTable } from '@/components/job-table';
import { JOBS } from '@/lib/job-queries';
import { request } from '@/lib/graphql';

export const dynamic = 'force-dynamic';

export default async function JobsPage() {
  const { jobs, workers } = await request(JOBS, {});
  return (
    <>
      <h1>Jobs</h1>
      <JobTable initial={jobs} initialWorkers={workers.length} />
      <section>
        <h2>Import a SAE</h2>
        <p className="muted">
          A SAELens folder (<code>cfg.json</code> + <code>sae_weights.safetensors</code>) or a sparsify folder on the
          server: one job loads it, analyses it over the corpus and adds it to the atlas. Needs an API key (an operator
          creates one with <code>npm run api:key -- create --name you</code>).
        </p>
        <ImportForm />
      </section>
    </>
  );
}
