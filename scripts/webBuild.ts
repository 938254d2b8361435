// The web atlas's production build: whether it is stale, and building it. `npm start` builds before serving, and
// browser tests that serve the web alone (no api behind it) build the same way, so neither rebuilds the other's.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webDir = fileURLToPath(new URL('../web', import.meta.url));
/** The Next.js command line, run with node. */
export const nextBin = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** The web needs a (re)build when there is none or any of its sources is newer. */
export function webBuildIsStale(): boolean {
  const buildId = join(webDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const sources = ['app', 'components', 'lib', 'proxy.ts', 'next.config.ts', 'package.json']
    .map((p) => join(webDir, p))
    .filter(existsSync);
  return sources.some((p) => newestMtime(p) > built);
}

/** `next build` in web/ with `env`, its output on ours; throws when it fails. */
export async function buildWeb(env: NodeJS.ProcessEnv): Promise<void> {
  const build = spawn(process.execPath, [nextBin, 'build'], { cwd: webDir, env, stdio: 'inherit' });
  const code: number = await new Promise((r) => build.on('exit', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error(`next build failed with code ${code}; see its output above`);
}
