import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetFormat } from '../src/lib/lake/keys.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** sales_etl's datasets, which `--format` switches. */
const DATASETS = ['cleaned', 'enriched', 'daily_summary'];

/**
 * The PIPELINES_DIR the workers of a configuration load: none (the repository's, CSV datasets) for
 * csv with the definition's samples; otherwise a directory made under `root` whose `sales_etl` is the
 * repository's with every dataset in that format (and each check keeping `samples` failing rows) (`withDatasetFormats`: what changing `.write(name)` to `.write(name, {
 * format })` does). The module is written for the runner: JavaScript importing the tsc build for
 * `dist`, TypeScript importing the sources for `tsx`.
 */
export async function pipelinesDirFor(
  root: string,
  format: DatasetFormat,
  runner: 'dist' | 'tsx',
  samples?: number,
): Promise<string | undefined> {
  if (format === 'csv' && samples === undefined) return undefined;
  const dir = path.join(root, `pipelines-${format}-${samples ?? 'd'}-${runner}`);
  const base = runner === 'dist' ? path.join(ROOT, 'dist') : ROOT;
  const extension = runner === 'dist' ? 'js' : 'ts';
  const from = (file: string) => JSON.stringify(path.join(base, `${file}.${extension}`));
  const formats = Object.fromEntries(DATASETS.map((name) => [name, format]));
  await mkdir(path.join(dir, 'sales_etl'), { recursive: true });
  await writeFile(
    path.join(dir, 'sales_etl', `pipeline.${extension}`),
    [
      '// Written by the bench (bench/formats.ts): sales_etl with its datasets in another format.',
      `import salesEtl from ${from('pipelines/sales_etl/pipeline')};`,
      `import { withDatasetFormats } from ${from('src/lib/engine/dataset-formats')};`,
      `const pipeline = withDatasetFormats(salesEtl, ${JSON.stringify(formats)});`,
      // --samples: every row check of every suite keeps that many failing rows.
      samples === undefined
        ? 'export default pipeline;'
        : `export default { ...pipeline, suites: Object.fromEntries(Object.entries(pipeline.suites).map(([name, suite]) => [name, { ...suite, checks: suite.checks.map((check) => ({ ...check, samples: ${samples} })) }])) };`,
      '',
    ].join('\n'),
  );
  return dir;
}
