// `npm run api:key -- create --name <who> | list | revoke <prefix>`: manage API keys for mutations.
import { parseArgs } from 'node:util';
import { AtlasError, openDatabase } from '@atlas/migrations';
import { createApiKey } from '../auth/apiKeys.js';
import { loadApiConfig } from '../config.js';
import { listApiKeys, revokeApiKey } from '../services/apiKeyService.js';

const USAGE = 'usage: npm run api:key -- create --name <who> | list | revoke <prefix>';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ options: { name: { type: 'string' } }, allowPositionals: true });
  const [command, arg] = positionals;
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    console.error(USAGE);
    return 2;
  }
  if (command === 'create' && !values.name?.trim()) {
    console.error(`ARGUMENT_INVALID: create needs --name <who> (shown next to the key's use); ${USAGE}`);
    return 2;
  }
  if (command === 'revoke' && !arg) {
    console.error(`ARGUMENT_INVALID: revoke needs the key's prefix (from list); ${USAGE}`);
    return 2;
  }
  const db = await openDatabase(loadApiConfig().db);
  try {
    if (command === 'create') {
      const { key, prefix } = await createApiKey(db.dataSource, values.name!.trim());
      console.log(`created key ${prefix}… for ${values.name}; it is shown only now:\n${key}`);
    } else if (command === 'list') {
      for (const k of await listApiKeys(db.dataSource))
        console.log(`${k.prefix}…  ${k.name}  created ${k.createdAt.toISOString()}${k.revokedAt ? '  REVOKED' : ''}`);
    } else {
      const n = await revokeApiKey(db.dataSource, arg!);
      if (n === 0) {
        console.error(`ARGUMENT_INVALID: no active key with prefix ${arg}; see npm run api:key -- list`);
        return 2;
      }
      console.log(`revoked ${arg}…`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof AtlasError ? err.toLine() : String(err));
    process.exit(2);
  },
);
