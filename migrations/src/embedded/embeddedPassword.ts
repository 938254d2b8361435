// The embedded server's password: generated once per data folder, kept beside it readable by its owner only
// (0600), and written into the lock file's URL so processes of the same user join without configuration.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** The file holding the embedded database's password, beside its folder (like the lock file). */
export function passwordPath(dataDir: string): string {
  return `${dataDir}.password`;
}

/** The data folder's password, created on first use (192 random bits, URL-safe so it needs no escaping in a URL). */
export function readOrCreatePassword(dataDir: string): string {
  const file = passwordPath(dataDir);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) {
      chmodSync(file, 0o600); // a copied folder may have lost the mode
      return stored;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}
