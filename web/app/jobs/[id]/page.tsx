// One job's page: its first state rendered on the server, then followed live by JobDetail; 404 for an id the
// api does not hold.
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { JobDetail } from '@/components/job-detail';
import { JOB } from '@/lib/job-queries';
import { request } from '@/lib/graphql';

export const dynamic = 'force-dynamic';

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,10}$/.test(id)) notFound();
  const { job } = await request(JOB, { id });
  if (!job) notFound();
  return (
    <>
      <p className="muted">
        <Link href="/jobs">Jobs</Link> /
      </p>
      <h1 data-testid="job-title">
        Job #{job.id}: {job.type}
      </h1>
      <JobDetail initial={job} />
    </>
  );
}
