import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL } from '../helpers/pipeline-env.ts';

/**
 * The image's commands, run against a real build laid out as the image is (/app: package.json,
 * node_modules, dist/): `tsc -p tsconfig.build.json` into a temporary directory, then the
 * Dockerfile's CMD and HEALTHCHECK and the compose services' commands as they are written.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

let app: string;
beforeAll(async () => {
  app = await mkdtemp(path.join(tmpdir(), 'lakeflow-image-'));
  await copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  await symlink(await realpath(path.join(ROOT, 'node_modules')), path.join(app, 'node_modules'));
  await promisify(execFile)(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(app, 'dist')],
    { cwd: ROOT },
  );
  // As `npm run build` does: the pipelines' quality.yaml files beside the compiled definitions.
  await promisify(execFile)(process.execPath, ['scripts/copy-pipeline-files.mjs', path.join(app, 'dist')], {
    cwd: ROOT,
  });
  await mkdir(path.join(app, 'dist/pipelines'), { recursive: true }); // as the Dockerfile does
}, 180_000);
afterAll(async () => {
  if (app) await rm(app, { recursive: true, force: true });
});

/** The Dockerfile's final CMD and HEALTHCHECK, as argv. */
async function imageCommands() {
  const dockerfile = (await readFile(path.join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
  const argv = (pattern: RegExp) => JSON.parse(pattern.exec(dockerfile)?.[1] ?? '[]') as string[];
  return { cmd: argv(/^CMD (\[.*\])$/m), healthcheck: argv(/^HEALTHCHECK .*CMD (\[.*\])$/m) };
}

/** Runs `argv` (`node …`) in the image-like directory with this Node; resolves with its exit code and output. */
async function run(argv: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, argv.slice(1), {
      cwd: app,
      env: { ...process.env, ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the build the image runs', () => {
  it("holds each pipeline's quality.yaml beside its compiled definition", async () => {
    const copied = await readFile(path.join(app, 'dist/pipelines/sales_etl/quality.yaml'), 'utf8');
    expect(copied).toBe(await readFile(path.join(ROOT, 'pipelines/sales_etl/quality.yaml'), 'utf8'));
  });

  it('has every entry point the Dockerfile and docker-compose.yml name, and they start', async () => {
    const { cmd, healthcheck } = await imageCommands();
    expect(await run([...cmd, '--help'])).toMatchObject({ code: 0, output: expect.stringMatching(/^Usage/) });
    expect(await run(healthcheck)).toMatchObject({
      code: 1,
      output: expect.stringMatching(/no heartbeat file/),
    });
    const compose = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const scripts = [...new Set(compose.match(/dist\/src\/[\w/-]+\.js/g))];
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const script of scripts) {
      // Each exits 2 at once, before any connection: its whole module graph loaded (imports are
      // static), then the bad option or configuration stopped it with its message.
      const { code, output } = await run(['node', script, '--no-such-option', 'x', 'y'], {
        REDIS_URL: 'nowhere',
      });
      expect([code, output], script).toEqual([
        2,
        expect.stringMatching(/Usage|invalid configuration|Unknown option/),
      ]);
    }
  });

  it("runs a worker with the image's command; its health check passes, and SIGTERM stops it", async () => {
    const { cmd, healthcheck } = await imageCommands();
    // Another heartbeat path than the image's: tests may run side by side on one machine.
    const heartbeat = path.join(app, 'worker.heartbeat');
    const swap = (argv: string[]) =>
      argv.map((arg) => (arg === cmd[cmd.indexOf('--heartbeat') + 1] ? heartbeat : arg));
    const prefix = `test-image-${process.pid}`;
    const worker = spawn(process.execPath, swap(cmd).slice(1), {
      cwd: app,
      env: {
        ...process.env,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        LAKE_URL: path.join(app, 'lake'),
        LOG_LEVEL: 'info',
        // As the image sets it: the pipelines compiled with the build.
        PIPELINES_DIR: path.join(app, 'dist/pipelines'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const exited = once(worker, 'exit');
      const ready = new Promise<void>((resolve, reject) => {
        createInterface({ input: worker.stdout }).on('line', (line) => {
          if (line.includes('"msg":"workers ready"')) resolve();
        });
        void exited.then(([code]) => reject(new Error(`worker exited (${code}) before it was ready`)));
      });
      await ready;
      expect(await run(swap(healthcheck))).toMatchObject({
        code: 0,
        output: expect.stringMatching(/^healthy/),
      });
      worker.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await deletePrefix(prefix);
    }
  });
});
