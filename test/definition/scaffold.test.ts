import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelines } from '../../src/lib/definition/registry.ts';
import { runLocal } from '../../src/lib/run-local.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });

describe('npm run new-pipeline and npm run pipelines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-scaffold-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a definition that loads, lists and runs end to end, with its test', async () => {
    const { stdout } = await run('src/producers/new-pipeline.ts', ['shop_orders', '--dir', dir]);
    expect(stdout).toContain('pipeline.ts');
    expect((await readdir(path.join(dir, 'shop_orders'))).sort()).toEqual([
      'pipeline.test.ts',
      'pipeline.ts',
    ]);

    const registry = await loadPipelines(dir);
    expect(registry.names).toEqual(['shop_orders']);
    await withTempLake(async ({ lake }) => {
      const result = await runLocal({ pipeline: registry.get('shop_orders'), lake, date: '2024-02-29' });
      expect(result.ingested.map((i) => i.source)).toEqual(['orders', 'skus']);
      expect(result.transform.outputs.orders_enriched?.rows).toBe(
        result.transform.outputs.orders_clean?.rows,
      );
      expect(result.transform.outputs.daily_category_summary?.rows).toBe(3); // one row per category
      expect(result.report?.passed).toBe(true);
    });

    const listed = await run('src/producers/pipelines.ts', [], { PIPELINES_DIR: dir });
    expect(listed.stdout).toContain('shop_orders — Orders per day and category');
    expect(listed.stdout).toMatch(/orders\s+fact, event time ordered_at; 4 columns; generator/);
    expect(listed.stdout).toMatch(/orders\s+on orders_enriched \(default\): Uniqueness: order_id/);
  });

  it('refuses a bad name and an existing pipeline, saying why', async () => {
    await expect(run('src/producers/new-pipeline.ts', ['Bad-Name', '--dir', dir])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('lower-case letters, digits and _'),
    });
    await run('src/producers/new-pipeline.ts', ['twice', '--dir', dir]);
    await expect(run('src/producers/new-pipeline.ts', ['twice', '--dir', dir])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('exists already'),
    });
  });

  it('reports a definition that does not load with its file and problem', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'lakeflow-bad-'));
    try {
      await run('src/producers/new-pipeline.ts', ['broken', '--dir', bad]);
      const file = path.join(bad, 'broken', 'pipeline.ts');
      const { readFile, writeFile } = await import('node:fs/promises');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace(".dedupe('order_id')", ".dedupe('order_number' as never)"),
      );
      await expect(run('src/producers/pipelines.ts', [], { PIPELINES_DIR: bad })).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(
          /broken\/pipeline\.ts: pipeline broken is not valid:\n\s+- transform step 1 \(dedupe\): key column order_number does not exist/,
        ),
      });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
