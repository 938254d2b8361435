// Every page's frame: the site header with its navigation, and the global styles.
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Feature atlas',
  description: 'Browse the features that sparse dictionaries find in neural-network activations.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <a href="/" className="brand">
            feature atlas
          </a>
          <nav className="site-nav">
            <a href="/search">search</a>
            <a href="/compare">compare</a>
            <a href="/steer">steer</a>
            <a href="/graphs">graphs</a>
            <a href="/jobs">jobs &amp; import</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
