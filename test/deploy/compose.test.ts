import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configNames } from '../../src/lib/config.ts';

// There is no Docker engine here, so the compose file is checked by reading it: it must parse, run
// only npm scripts that exist, and set only variables the product reads.
const ROOT = path.resolve(import.meta.dirname, '../..');
// Read by the AWS SDK and by Node itself, not by our configuration.
const SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'NODE_OPTIONS'];

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  container_name?: string;
}

async function load() {
  const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return { services: compose.services, scripts: pkg.scripts };
}

const npmScriptOf = (argv: string[]) => (argv[0] === 'npm' && argv[1] === 'run' ? argv[2] : undefined);

describe('docker-compose.yml', () => {
  it('runs only npm scripts that package.json defines', async () => {
    const { services, scripts } = await load();
    const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(appServices.map(([name]) => name).sort()).toEqual(['board', 'enqueue', 'worker']);
    for (const [name, service] of appServices) {
      const script = npmScriptOf(service.entrypoint ?? service.command ?? []);
      expect(script, `${name} runs an npm script`).toBeDefined();
      expect(Object.keys(scripts), `${name}'s script`).toContain(script);
    }
  });

  it('sets only variables the configuration accepts', async () => {
    const { services } = await load();
    for (const name of ['worker', 'board', 'enqueue']) {
      for (const variable of Object.keys(services[name]?.environment ?? {})) {
        expect([...configNames, ...SDK_VARIABLES], `${name}: ${variable}`).toContain(variable);
      }
    }
  });

  it('keeps Redis safe for BullMQ and lets workers scale', async () => {
    const { services } = await load();
    const redis = services.redis?.command?.join(' ') ?? '';
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    // `--scale worker=N` needs no fixed name and no host port on the worker.
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.environment?.LAKE_URL).toMatch(/^s3:\/\//);
    expect(services.board?.environment?.LAKE_URL).toBe(services.worker?.environment?.LAKE_URL);
  });

  it('has a Dockerfile whose default command is an npm script', async () => {
    const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const { scripts } = await load();
    expect(Object.keys(scripts)).toContain(npmScriptOf(JSON.parse(cmd ?? '[]')));
  });
});
