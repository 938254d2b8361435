// Next.js settings of the atlas.
import type { NextConfig } from 'next';

const config: NextConfig = {
  // The atlas talks to the api at request time (ATLAS_API_URL), so pages are rendered per request.
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
