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
          <a href="/search" style={{ marginLeft: '1.25rem' }}>
            search
          </a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
