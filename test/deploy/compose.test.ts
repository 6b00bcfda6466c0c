import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configNames } from '../../src/lib/config.ts';

// There is no Docker engine here, so the image and the compose file are checked by reading them:
// they must parse, run compiled entry points with node (never npm or tsx), check every long-running
// service's health, and set only variables the product reads. build.test.ts runs those commands.
const ROOT = path.resolve(import.meta.dirname, '../..');
// Read by the AWS SDK and by Node itself, not by our configuration.
const SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'NODE_OPTIONS'];

interface Service {
  image?: string;
  build?: unknown;
  init?: boolean;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; timeout?: string; retries?: number };
}

async function load() {
  const text = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
  return { text, services: compose.services };
}

/** The Dockerfile's stages, each with its FROM line and its instructions (continuations joined). */
async function dockerfile() {
  const text = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const args = new Map<string, string>();
  for (const line of lines) {
    const [, name, value] = /^ARG (\w+)=(\S+)$/.exec(line) ?? [];
    if (name && value) args.set(name, value);
  }
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM (\S+)/.exec(line)?.[1];
    if (from)
      stages.push({
        from: from.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ''),
        lines: [],
      });
    else stages.at(-1)?.lines.push(line);
  }
  return { stages, final: stages.at(-1)! };
}

/** The exec-form argv of a Dockerfile instruction (`CMD [...]`, `HEALTHCHECK … CMD [...]`). */
const execForm = (line: string | undefined) =>
  JSON.parse(/CMD (\[.*\])$/.exec(line ?? '')?.[1] ?? '[]') as string[];

/** `node dist/src/x.js …` must name an entry point whose source is src/x.ts. */
async function expectCompiledEntry(argv: string[], what: string) {
  expect(argv[0], `${what} runs node`).toBe('node');
  const script = argv[1] ?? '';
  expect(script, `${what} runs a compiled entry point`).toMatch(/^dist\/src\/.+\.js$/);
  await expect(
    access(path.join(ROOT, script.replace(/^dist\//, '').replace(/\.js$/, '.ts'))),
    what,
  ).resolves.toBe(undefined);
}

describe('docker-compose.yml', () => {
  it("runs the image's compiled entry points with node, with an init to pass signals on", async () => {
    const { services } = await load();
    const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(appServices.map(([name]) => name).sort()).toEqual(['board', 'enqueue', 'worker']);
    for (const [name, service] of appServices) {
      const argv = service.entrypoint ?? service.command ?? [];
      await expectCompiledEntry(argv, name);
      expect(service.init, `${name}: init`).toBe(true);
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

  it('checks the health of the workers, the board, Redis and S3', async () => {
    const { services } = await load();
    for (const name of ['worker', 'board', 'redis', 's3']) {
      expect(services[name]?.healthcheck?.test?.[0], `${name}: health check`).toBe('CMD');
    }
    // The worker's check reads the heartbeat file its command writes.
    const worker = services.worker!;
    const heartbeat = worker.command?.[worker.command.indexOf('--heartbeat') + 1];
    expect(heartbeat).toMatch(/^\//);
    expect(worker.healthcheck?.test?.slice(1)).toEqual([
      'node',
      'dist/src/workers/healthcheck.js',
      heartbeat,
    ]);
    await expectCompiledEntry(worker.healthcheck?.test?.slice(1) ?? [], 'worker health check');
    // The board's check asks its own /healthz on the port it listens on.
    const board = services.board!;
    await expectCompiledEntry(board.healthcheck?.test?.slice(1) ?? [], 'board health check');
    expect(board.healthcheck?.test?.[3]).toBe(`http://127.0.0.1:${board.environment?.BOARD_PORT}/healthz`);
    // The lake's bucket is created once the S3 gateway answers; a one-shot enqueue has no health.
    expect(services['s3-init']?.depends_on).toEqual({ s3: { condition: 'service_healthy' } });
    expect(services.enqueue?.healthcheck?.disable).toBe(true);
  });

  it('requires the S3 secret key as it requires the board password', async () => {
    const { text, services } = await load();
    // `${VAR:?message}`: Compose refuses to start without it instead of using a default everyone knows.
    expect(text.match(/\$\{S3_SECRET_KEY[^}]*\}/g)?.every((use) => use.startsWith('${S3_SECRET_KEY:?'))).toBe(
      true,
    );
    expect(services.worker?.environment?.AWS_SECRET_ACCESS_KEY).toMatch(/^\$\{S3_SECRET_KEY:\?/);
    expect(services['s3-init']?.environment?.AWS_SECRET_ACCESS_KEY).toMatch(/^\$\{S3_SECRET_KEY:\?/);
    expect(services.board?.environment?.BOARD_PASSWORD).toMatch(/^\$\{BOARD_PASSWORD:\?/);
  });

  it('keeps Redis safe for BullMQ and lets workers scale', async () => {
    const { services } = await load();
    const redis = services.redis?.command?.join(' ') ?? '';
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    // A memory limit, so a full Redis refuses writes (noeviction) before the host runs out.
    expect(redis).toMatch(/--maxmemory \S+/);
    // `--scale worker=N` needs no fixed name and no host port on the worker.
    expect(services.worker?.container_name).toBeUndefined();
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.environment?.LAKE_URL).toMatch(/^s3:\/\//);
    expect(services.board?.environment?.LAKE_URL).toBe(services.worker?.environment?.LAKE_URL);
  });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs compiled JavaScript on Node 24 LTS in a slim one', async () => {
    const { stages, final } = await dockerfile();
    const build = stages.find((stage) => stage.lines.some((line) => /npm run build/.test(line)));
    expect(build?.lines.some((line) => /^RUN npm ci\b/.test(line) && !line.includes('--omit=dev'))).toBe(
      true,
    );
    expect(final.from).toMatch(/^node:24-[a-z]+-slim$/);
    // Production dependencies only, and the build's output; no sources, no npm or tsx at run time.
    expect(stages.some((stage) => stage.lines.some((line) => /npm ci .*--omit=dev/.test(line)))).toBe(true);
    expect(final.lines.filter((line) => line.startsWith('COPY')).join('\n')).not.toMatch(/\bsrc\b/);
    expect(final.lines).toContain('COPY --from=build /app/dist ./dist');
    expect(
      final.lines.filter((line) => /^(RUN|CMD|HEALTHCHECK|ENTRYPOINT)/.test(line)).join('\n'),
    ).not.toMatch(/\b(npm|tsx)\b/);
    expect(final.lines.find((line) => line.startsWith('ENV'))).toMatch(
      /PIPELINES_DIR=\/app\/dist\/pipelines\b/,
    );
  });

  it('starts a worker with a heartbeat, and checks its health on it', async () => {
    const { final } = await dockerfile();
    const cmd = execForm(final.lines.find((line) => line.startsWith('CMD')));
    await expectCompiledEntry(cmd, 'CMD');
    const healthcheck = final.lines.find((line) => line.startsWith('HEALTHCHECK'));
    const check = execForm(healthcheck);
    await expectCompiledEntry(check, 'HEALTHCHECK');
    expect(check).toEqual(['node', 'dist/src/workers/healthcheck.js', cmd[cmd.indexOf('--heartbeat') + 1]]);
  });

  it('compiles src and pipelines from the repository root, as `npm run build` does', async () => {
    const tsconfig = JSON.parse(await readFile(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
      include: string[];
    };
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: '.', outDir: 'dist' });
    expect(tsconfig.include).toEqual(['src', 'pipelines']);
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toMatch(
      /tsc -p tsconfig\.build\.json && exec node scripts\/copy-pipeline-files\.mjs dist$/,
    );
    // The build stage has the script `npm run build` runs after tsc.
    const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY scripts\/copy-pipeline-files\.mjs \.\/scripts\/$/m);
  });
});
