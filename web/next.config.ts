// Next.js settings of the atlas.
import type { NextConfig } from 'next';

/**
 * Bytes of rendered pages (HTML + RSC payload: tens to hundreds of kB a feature page) the server keeps. Versioned feature
 * pages (proxy.ts) are cached here and only here: a superseded version is never asked for again and ages out.
 */
const PAGE_CACHE_BYTES = 256 * 1024 * 1024;

const config: NextConfig = {
  // Pages other than the feature page talk to the api at request time (ATLAS_API_URL) and render per request.
  poweredByHeader: false,
  reactStrictMode: true,
  // Next's own byte-bounded LRU (server/lib/incremental-cache/memory-cache) holds the page cache...
  cacheMaxMemorySize: PAGE_CACHE_BYTES,
  // ...and only it: by default every rendered version would also be written to .next/ on disk, without a bound.
  experimental: { isrFlushToDisk: false },
  // proxy.ts answers a plain page load of a cached feature page itself, so it must tell one from a client-side
  // navigation (an RSC request, which must get Next's RSC payload): by default Next strips the navigation headers
  // (rsc, next-router-*) and the _rsc query off the request the proxy sees.
  skipProxyUrlNormalize: true,
  // Embeds (/embed/...) are made to be framed by any site; every other page only by the atlas itself, so a page that
  // sends an API key cannot be clicked through from inside another site's frame.
  async headers() {
    return [
      { source: '/embed/:path*', headers: [{ key: 'Content-Security-Policy', value: 'frame-ancestors *' }] },
      {
        source: '/((?!embed/).*)',
        headers: [
          { key: 'X-Frame-Options', value: 'SAMEORIGIN' },
          { key: 'Content-Security-Policy', value: "frame-ancestors 'self'" },
        ],
      },
    ];
  },
};

export default config;
