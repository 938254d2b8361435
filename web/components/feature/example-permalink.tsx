'use client';
// Permalinks to a feature at one example: `?example=N` (N from 1, the order of the top activations) highlights
// that example and scrolls to it. Read in the browser, so the page itself stays one cached render per data version
// whatever the query string (proxy.ts keeps it through its rewrite).
import { useEffect, useState } from 'react';
import { exampleAnchor, exampleLink, linkedExample } from '@/lib/example-link';

/** Marks and scrolls to the example the address names. */
export function LinkedExampleHighlight() {
  useEffect(() => {
    const n = linkedExample(window.location.search);
    const target = n === undefined ? null : document.getElementById(exampleAnchor(n));
    if (!target) return;
    target.classList.add('example-linked');
    target.scrollIntoView({ block: 'center' });
  }, []);
  return null;
}

/** A button that copies the address of this feature at example `n`. */
export function CopyExampleLink({ n }: { n: number }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const link = exampleLink(window.location.href, n);
    // Copying may be refused (no permission, no secure context): the address bar holds the link too.
    await navigator.clipboard?.writeText(link).catch(() => undefined);
    window.history.replaceState(null, '', link);
    setCopied(true);
  };
  return (
    <button
      type="button"
      className="example-link"
      onClick={copy}
      title="Copy a link to this example"
      data-testid="example-link"
    >
      {copied ? 'copied' : 'link'}
    </button>
  );
}
