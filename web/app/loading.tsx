// Shown while a page's data is fetched from the api (navigations stream it in place of the page).
export default function Loading() {
  return (
    <p className="muted" role="status" aria-live="polite" data-testid="loading">
      Loading from the atlas…
    </p>
  );
}
