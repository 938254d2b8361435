'use client';
// The site's header and navigation; absent from /embed/ pages, which are cards framed by other sites. A client
// component, so the layout stays free of request data and cached pages stay cached.
import { usePathname } from 'next/navigation';

export function SiteHeader() {
  if (usePathname()?.startsWith('/embed/')) return null;
  return (
    <header className="site-header">
      <a href="/" className="brand">
        feature atlas
      </a>
      <nav className="site-nav">
        <a href="/search">search</a>
        <a href="/compare">compare</a>
        <a href="/steer">steer</a>
        <a href="/graphs">graphs</a>
        <a href="/lists">lists</a>
        <a href="/jobs">jobs &amp; import</a>
      </nav>
    </header>
  );
}
