// No Docker engine runs on these machines, so docker-compose.yml is kept right by reading it against the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ApiEnv } from '@atlas/api';
import { DbEnv } from '@atlas/migrations';
import { WorkerEnv } from '../worker/src/config.js';
import { WebEnv } from '../web/lib/config.js';
import { repoRoot } from './e2e/stack.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const rootScripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const webScripts = (
  JSON.parse(readFileSync(join(repoRoot, 'web/package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

test('postgres, api, worker and web each exist with a health check', () => {
  assert.deepEqual(Object.keys(services).sort(), ['api', 'postgres', 'web', 'worker']);
  for (const [name, s] of Object.entries(services))
    assert.ok(s.healthcheck?.test?.length, `${name} has no healthcheck`);
  assert.match(services.postgres.image ?? '', /^pgvector\/pgvector:pg1[6-9]$/);
});

test('every environment variable a service sets is one its config schema reads', () => {
  const known: Record<string, string[]> = {
    api: Object.keys(ApiEnv.shape),
    worker: Object.keys(WorkerEnv.shape),
    web: Object.keys(WebEnv.shape),
  };
  for (const [name, keys] of Object.entries(known))
    for (const variable of Object.keys(services[name].environment ?? {}))
      assert.ok(
        keys.includes(variable),
        `${name} sets ${variable}, which its config does not read (reads: ${keys.join(', ')})`,
      );
  assert.ok(Object.keys(DbEnv.shape).every((k) => known.api.includes(k) && known.worker.includes(k)));
});

test('DATABASE_URL points at the postgres service with its own user, password and database', () => {
  const pg = services.postgres.environment!;
  const expected = `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`;
  for (const name of ['api', 'worker']) {
    assert.equal(services[name].environment?.DATABASE_URL, expected, name);
    assert.equal(services[name].depends_on?.postgres?.condition, 'service_healthy', name);
  }
});

test('ports and URLs agree with each other and with the health checks', () => {
  const apiPort = services.api.environment!.ATLAS_API_PORT;
  assert.deepEqual(services.api.ports, [`${apiPort}:${apiPort}`]);
  assert.equal(services.api.environment!.ATLAS_API_HOST, '0.0.0.0'); // reachable from the web container
  assert.equal(services.web.environment!.ATLAS_API_URL, `http://api:${apiPort}/graphql`);
  assert.ok(services.api.healthcheck!.test.join(' ').includes(`127.0.0.1:${apiPort}/healthz`));
  const webCmd = services.web.command!;
  const webPort = webCmd[webCmd.indexOf('-p') + 1];
  assert.deepEqual(services.web.ports, [`${webPort}:${webPort}`]);
  assert.ok(services.web.healthcheck!.test.join(' ').includes(`127.0.0.1:${webPort}/`));
});

test('commands are npm scripts and worker commands that exist', async () => {
  assert.deepEqual(services.api.command, ['npm', 'run', 'api']);
  assert.ok(rootScripts.api);
  const [, , script, , sub] = services.worker.command!;
  assert.ok(rootScripts[script], `no root script ${script}`);
  const { readdirSync } = await import('node:fs');
  const commands = readdirSync(join(repoRoot, 'worker/src/cli/commands')).map((f) => f.replace(/\.ts$/, ''));
  assert.ok(commands.includes(sub), `worker has no '${sub}' command (has ${commands.join(', ')})`);
  const webCmd = services.web.command!;
  assert.equal(webCmd[webCmd.indexOf('run') + 1], 'start');
  assert.ok(webScripts.start);
});
