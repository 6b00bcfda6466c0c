import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePipeline, dimension, fact } from '../../src/api.ts';
import { loadPipelines, PipelineRegistry } from '../../src/lib/definition/registry.ts';
import { parseEnqueueArgs } from '../../src/producers/enqueue-args.ts';
import {
  type PipelinesDir,
  REPO_PIPELINES,
  smallPipeline,
  writePipelinesDir,
} from '../helpers/test-pipelines.ts';

let repo: PipelineRegistry;
let small: PipelineRegistry;
let dir: PipelinesDir;
/** The working directory relative paths resolve against: it holds d3.json, in.csv and a directory. */
let cwd: string;
beforeAll(async () => {
  repo = await loadPipelines(REPO_PIPELINES);
  dir = await writePipelinesDir({ two: smallPipeline('two', 1), four: smallPipeline('four', 3) });
  small = await loadPipelines(dir.dir);
  cwd = await mkdtemp(path.join(tmpdir(), 'lakeflow-enqueue-args-'));
  await writeFile(path.join(cwd, 'd3.json'), '[]');
  await writeFile(path.join(cwd, 'in.csv'), 'a\n1\n');
  await writeFile(path.join(cwd, 'in.parquet'), 'PAR1');
  await mkdir(path.join(cwd, 'exports.csv'));
  for (const day of ['01', '02']) await writeFile(path.join(cwd, `tx-2024-03-${day}.csv`), 'a\n1\n');
});
afterAll(async () => {
  await dir.cleanup();
  await rm(cwd, { recursive: true, force: true });
});

const only = (name: string) =>
  new PipelineRegistry(small.list().filter((pipeline) => pipeline.name === name));
const sources = (argv: string[], registry = only('four')) => {
  const [run] = parseEnqueueArgs(['--date', '2024-03-01', ...argv], registry, cwd).runs;
  return run?.sources;
};

describe('npm run enqueue arguments', () => {
  it('picks the only loaded pipeline, else sales_etl, else asks for --pipeline listing the loaded ones', () => {
    expect(parseEnqueueArgs(['--date', '2024-03-01'], only('two')).runs[0]?.pipeline).toBe('two');
    expect(parseEnqueueArgs(['--date', '2024-03-01'], repo).runs[0]?.pipeline).toBe('sales_etl');
    expect(() => parseEnqueueArgs(['--date', '2024-03-01'], small)).toThrow(
      /--pipeline is required; loaded pipelines: four, two/,
    );
    expect(parseEnqueueArgs(['--pipeline', 'four', '--date', '2024-03-01'], small).runs[0]?.pipeline).toBe(
      'four',
    );
  });

  it("generates every source with its pipeline's generator unless --source says where rows come from", () => {
    const generated = { kind: 'generate', seed: 42, options: {} };
    expect(sources([])).toEqual({
      readings: generated,
      dim_1: generated,
      dim_2: generated,
      dim_3: generated,
    });
    expect(
      sources([
        '--seed',
        '7',
        '--source',
        'readings=25',
        '--source',
        'dim_2=lake:in/d2.csv',
        '--source',
        'dim_3=d3.json',
      ]),
    ).toEqual({
      readings: { kind: 'generate', records: 25, seed: 7, options: {} },
      dim_1: { kind: 'generate', seed: 7, options: {} },
      dim_2: { kind: 'lake', key: 'in/d2.csv' },
      dim_3: { kind: 'file', path: path.join(cwd, 'd3.json') },
    });
  });

  it('ingests only --sources, which must include the source the transform reads', () => {
    expect(Object.keys(sources(['--sources', 'readings,dim_2']) ?? {})).toEqual(['readings', 'dim_2']);
    expect(() => sources(['--sources', 'dim_1'])).toThrow(/--sources must include readings/);
    expect(() => sources(['--sources', 'readings', '--source', 'dim_1=5'])).toThrow(
      /--source dim_1=… given but dim_1 is not listed in --sources/,
    );
  });

  it('passes --gen options to the generators that take them, checked by their schemas', () => {
    const sales = (argv: string[]) => sources(argv, repo) ?? {};
    expect(
      sales(['--gen', 'nullRegions=0.1', '--gen', 'transactions.defects=none']).transactions,
    ).toMatchObject({
      kind: 'generate',
      options: { nullRegions: 0.1, defects: 'none' },
    });
    expect(sales(['--gen', 'nullRegions=0.1']).customers).toMatchObject({ kind: 'generate', options: {} });
    expect(() => sales(['--gen', 'nullRegions=2'])).toThrow(
      /--gen: transactions's generator options: nullRegions: /,
    );
    expect(() => sales(['--gen', 'customers.nullRegions=0.1'])).toThrow(
      /--gen: customers's generator takes no options/,
    );
    expect(() => sales(['--gen', 'colour=red'])).toThrow(/no generated source takes option colour/);
  });

  it('refuses a source without a generator and no --source, naming it', () => {
    const nogen = definePipeline({
      name: 'nogen',
      sources: { t: fact({ eventTime: 'ts', schema: { ts: 'datetime', v: 'float' } }) },
      transform: ({ from }) => from('t').write('out'),
    });
    const registry = new PipelineRegistry([nogen]);
    expect(() => sources([], registry)).toThrow(
      /source t of nogen has no generator: say where its rows are with --source t=SPEC/,
    );
    expect(sources(['--source', 't=lake:in/t.csv'], registry)).toEqual({
      t: { kind: 'lake', key: 'in/t.csv' },
    });
  });
});

describe('inputs checked at enqueue, on this machine', () => {
  it('refuses a file that does not exist, or is not a regular file, saying workers read the same path', () => {
    expect(() => sources(['--source', 'readings=missing.csv'])).toThrow(
      new RegExp(
        `--source readings: the file ${path.join(cwd, 'missing.csv')} does not exist on this machine; workers read the same path, so it must be there too`,
      ),
    );
    expect(() => sources(['--source', 'readings=exports.csv'])).toThrow(
      /--source readings: .*exports.csv is a directory; give a regular file \(workers read the same path/,
    );
    expect(() => sources(['--source', 'readings=in.csv/x.csv'])).toThrow(/in.csv\/x.csv does not exist/);
    expect(sources(['--source', 'readings=in.csv'])?.readings).toEqual({
      kind: 'file',
      path: path.join(cwd, 'in.csv'),
    });
  });

  it("checks each date's file when the path names the date ({date})", () => {
    const backfill = (to: string) =>
      parseEnqueueArgs(
        ['--date', '2024-03-01', '--to', to, '--source', 'readings=tx-{date}.csv'],
        only('four'),
        cwd,
      ).runs;
    expect(backfill('2024-03-02').map((run) => run.sources.readings)).toEqual([
      { kind: 'file', path: path.join(cwd, 'tx-{date}.csv') },
      { kind: 'file', path: path.join(cwd, 'tx-{date}.csv') },
    ]);
    expect(() => backfill('2024-03-03')).toThrow(
      new RegExp(
        `--source readings \\(date 2024-03-03\\): the file ${path.join(cwd, 'tx-2024-03-03.csv')} does not exist on this machine`,
      ),
    );
  });

  it('refuses a format the source does not accept, or cannot tell, for files and lake objects', () => {
    const csvOnly = definePipeline({
      name: 'csv_only',
      sources: {
        t: fact({
          eventTime: 'ts',
          schema: { ts: 'datetime', k: 'string' },
          formats: ['csv'],
          generate: { rows: () => [] },
        }),
        d: dimension({ key: 'k', schema: { k: 'string' }, generate: { rows: () => [] } }),
      },
      transform: ({ from }) => from('t').lookup('d', { take: [] }).write('out'),
    });
    const registry = new PipelineRegistry([csvOnly]);
    expect(() => sources(['--source', 't=d3.json'], registry)).toThrow(
      /--source t: source t of csv_only accepts csv, not json \(.*d3.json\)/,
    );
    expect(() => sources(['--source', 't=lake:in/t.ndjson'], registry)).toThrow(
      /--source t: source t of csv_only accepts csv, not ndjson \(in\/t.ndjson\)/,
    );
    expect(() => sources(['--source', 't=in.parquet'], registry)).toThrow(
      /--source t: source t of csv_only accepts csv, not parquet \(.*in.parquet\)/,
    );
    expect(() => sources(['--source', 't=lake:in/t.xlsx'], registry)).toThrow(
      /--source t: cannot tell the format of in\/t.xlsx from its extension/,
    );
    expect(sources(['--source', 't=in.csv', '--source', 'd=d3.json'], registry)).toMatchObject({
      t: { kind: 'file' },
      d: { kind: 'file' },
    });
  });

  it("refuses a generator option the named source's generator does not declare, listing its options", () => {
    const sales = (argv: string[]) => sources(argv, repo) ?? {};
    expect(() => sales(['--gen', 'transactions.colour=red'])).toThrow(
      /--gen transactions.colour=red: transactions's generator has no option colour \(its options: nullRegions, .*defects\)/,
    );
    expect(() => sales(['--gen', 'colour=red'])).toThrow(
      /no generated source takes option colour \(transactions: nullRegions, .*; customers: none; products: none\)/,
    );
  });
});
