'use client';
// What a page shows when rendering failed (the api down, an answer it could not use): the message and a retry.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="error" role="alert">
      <h1>Something went wrong</h1>
      <p>{error.message || 'The page could not be rendered.'}</p>
      <p>
        If the api is not running, start everything with <code>npm start</code>. Then{' '}
        <button onClick={() => reset()}>try again</button>.
      </p>
    </div>
  );
}
