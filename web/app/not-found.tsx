// The 404 page: for addresses that are not numbers and for what the atlas does not hold (web/lib/not-found.ts).
import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="error">
      <h1>Not in the atlas</h1>
      <p>
        No dictionary or feature has that address. Start from the <Link href="/">list of dictionaries</Link> or{' '}
        <Link href="/search">search</Link>.
      </p>
    </div>
  );
}
