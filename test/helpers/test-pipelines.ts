import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository's own pipelines (sales_etl, sensors): what `PIPELINES_DIR` defaults to from the root. */
export const REPO_PIPELINES = path.resolve(import.meta.dirname, '../../pipelines');

const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;

/** A pipelines directory a test wrote, outside the repository. */
export interface PipelinesDir {
  dir: string;
  cleanup(): Promise<void>;
}

/** Writes `<dir>/<name>/pipeline.ts` for each definition given (name → module text) into a temp dir. */
export async function writePipelinesDir(definitions: Record<string, string>): Promise<PipelinesDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-pipelines-'));
  for (const [name, text] of Object.entries(definitions)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'pipeline.ts'), text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A small pipeline's module text, as a user writes one: a fact `readings` and `dimensions` dimension
 * sources `dim_1`, `dim_2`, … (each with a generator), one lookup per dimension, the rows written as
 * `wide`, then summed per device as `by_device`; suites `basic` (default) and `strict` on `by_device`.
 */
export function smallPipeline(name: string, dimensions: number): string {
  const dims = Array.from({ length: dimensions }, (_, i) => i + 1);
  const keyColumns = dims.map((i) => `k${i}: 'string'`).join(', ');
  const keyValues = dims.map((i) => `k${i}: \`K\${n % 2}\``).join(', ');
  const dimensionSources = dims
    .map(
      (i) => `    dim_${i}: dimension({
      key: 'k${i}',
      schema: { k${i}: 'string', label_${i}: 'string' },
      generate: { rows: () => [{ k${i}: 'K0', label_${i}: 'zero' }, { k${i}: 'K1', label_${i}: 'one' }] },
    }),`,
    )
    .join('\n');
  const lookups = dims.map((i) => `.lookup('dim_${i}', { take: ['label_${i}'] })`).join('');
  return `import { complete, count, definePipeline, dimension, fact, inRange, sum } from '${API}';

export default definePipeline({
  name: '${name}',
  sources: {
    readings: fact({
      eventTime: 'ts',
      schema: { reading_id: 'string', ts: 'datetime', device: 'string', value: 'float'${keyColumns ? `, ${keyColumns}` : ''} },
      generate: {
        defaultRecords: 10,
        *rows({ date, records }) {
          for (let n = 0; n < records; n++) {
            yield { reading_id: \`R\${n}\`, ts: \`\${date} 10:00:00\`, device: \`D\${n % 3}\`, value: n${keyValues ? `, ${keyValues}` : ''} };
          }
        },
      },
    }),
${dimensionSources}
  },
  transform: ({ from }) =>
    from('readings')${lookups}
      .write('wide')
      .aggregate({ by: ['device'], measures: { readings: count('reading_id'), total: sum('value') } })
      .write('by_device'),
  quality: ({ suite }) => ({
    basic: suite('by_device', [complete('device')]),
    strict: suite('by_device', [complete('device'), inRange('total', 0, 1)]),
  }),
});
`;
}
