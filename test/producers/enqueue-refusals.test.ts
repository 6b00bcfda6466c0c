import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { limited, runCli } from '../helpers/cli.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, smallPipeline, writePipelinesDir } from '../helpers/test-pipelines.ts';

/**
 * Mistakes are refused when a run is enqueued (or scheduled), not by a worker later: exit 2, a message
 * saying what and where, nothing enqueued. A run that exists is not silently kept when asked with
 * other options: the command says how they differ and points to --rerun.
 */

let env: PipelineEnv;
let files: string;
let pipelines: PipelinesDir;
beforeAll(async () => {
  // No workers: whatever gets enqueued stays in Redis, where the tests can see it.
  env = await createPipelineEnv({ workers: false });
  files = await mkdtemp(path.join(tmpdir(), 'lakeflow-refusals-'));
  await writeFile(path.join(files, 'readings.json'), '[{"reading_id":"R1"}]');
  // A pipeline whose fact source accepts CSV only.
  const csvOnly = smallPipeline('csv_only', 1).replace(
    "eventTime: 'ts',",
    "eventTime: 'ts',\n      formats: ['csv'],",
  );
  pipelines = await writePipelinesDir({ csv_only: csvOnly });
});
afterAll(async () => {
  await env?.close();
  await pipelines?.cleanup();
  if (files) await rm(files, { recursive: true, force: true });
});

const enqueue = (args: string[], extra: Record<string, string> = {}) =>
  runCli('src/producers/enqueue.ts', args, { ...env.env, ...extra });
const schedule = (args: string[]) => runCli('src/producers/schedule.ts', args, env.env);

/** Every job in the env's run queues, by state (nothing = {}). */
async function jobCounts(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const name of ['ingest', 'transform', 'quality'] as const) {
    for (const [state, count] of Object.entries(await env.producer.queues[name].getJobCounts())) {
      if (count > 0) totals[state] = (totals[state] ?? 0) + count;
    }
  }
  return totals;
}

describe('npm run enqueue refuses at once, enqueueing nothing', () => {
  it('an unknown pipeline or suite, a missing file or a directory, a format or generator option the pipeline does not take', {
    timeout: 300_000,
  }, async () => {
    const date = ['--date', '2024-05-01'];
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [[...date, '--pipeline', 'nope'], /--pipeline: unknown pipeline "nope"; loaded pipelines: .*sales_etl/],
      [
        [...date, '--suite', 'strict'],
        /--suite: pipeline sales_etl has no quality suite "strict"; its suites: notebook, pipeline/,
      ],
      [
        [...date, '--source', `transactions=${path.join(files, 'missing.csv')}`],
        new RegExp(
          `--source transactions: the file ${path.join(files, 'missing.csv')} does not exist on this machine; workers read the same path, so it must be there too`,
        ),
      ],
      [
        [...date, '--source', `customers=${files}`],
        new RegExp(
          `--source customers: ${files} is a directory; give a regular file \\(workers read the same path`,
        ),
      ],
      [
        [...date, '--source', 'transactions=lake:incoming/transactions.xlsx'],
        /--source transactions: cannot tell the format of incoming\/transactions.xlsx from its extension/,
      ],
      [
        [...date, '--source', `readings=${path.join(files, 'readings.json')}`],
        /--source readings: source readings of csv_only accepts csv, not json \(.*readings.json\)/,
        { PIPELINES_DIR: pipelines.dir },
      ],
      [
        [...date, '--gen', 'transactions.colour=red'],
        /--gen transactions.colour=red: transactions's generator has no option colour \(its options: nullRegions, /,
      ],
      [[...date, '--gen', 'colour=red'], /--gen colour=red: no generated source takes option colour/],
    ];
    const results = await limited(
      cases.map(
        ([args, , extra]) =>
          () =>
            enqueue(args, extra),
      ),
    );
    results.forEach((result, i) => {
      const [args, message] = cases[i] as (typeof cases)[number];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Usage: npm run enqueue');
    });
    expect(await jobCounts()).toEqual({});
  });
});

describe('npm run schedule set refuses at once, storing nothing', () => {
  it('a time zone that does not exist, and an unknown pipeline', { timeout: 120_000 }, async () => {
    const [tz, pipeline] = await Promise.all([
      schedule(['set', '--cron', '0 2 * * *', '--tz', 'Mars/Olympus']),
      schedule(['set', '--cron', '0 2 * * *', '--pipeline', 'nope']),
    ]);
    expect([tz.code, pipeline.code]).toEqual([2, 2]);
    expect(tz.stderr).toMatch(
      /schedule: --tz "Mars\/Olympus" is not a time zone: give an IANA name such as UTC, Europe\/Paris/,
    );
    expect(pipeline.stderr).toMatch(/--pipeline: unknown pipeline "nope"; loaded pipelines: .*sales_etl/);
    expect(await env.producer.queues.schedule.getJobSchedulers(0, -1)).toEqual([]);
    // A real zone is taken.
    const good = await schedule(['set', '--cron', '0 2 * * *', '--tz', 'Europe/Paris']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/schedule set: sales_etl at "0 2 \* \* \*" \(Europe\/Paris\)/);
    expect(await env.producer.queues.schedule.removeJobScheduler('run-sales_etl')).toBe(true);
  });
});

describe('enqueueing a run that exists', () => {
  it('with other options is refused, saying how they differ and pointing to --rerun; with the same, adds nothing', {
    timeout: 300_000,
  }, async () => {
    const date = '2024-05-02';
    const [first] = await enqueueRuns(env.producer, [generatedRun(date)]);
    expect(first?.created).toBe(true);
    const before = await jobCounts();
    // generatedRun's options, as the command line says them.
    const same = [
      '--date',
      date,
      '--suite',
      'pipeline',
      '--source',
      'transactions=300',
      '--source',
      'customers=100',
    ];
    const csv = path.join(files, 'transactions.csv');
    await writeFile(csv, 'transaction_id\n');
    const cases: [string[], string][] = [
      [
        ['--date', date, '--suite', 'notebook', '--source', 'transactions=300', '--source', 'customers=100'],
        'suite: enqueued with pipeline, asked notebook',
      ],
      [
        [
          '--date',
          date,
          '--suite',
          'pipeline',
          '--source',
          `transactions=${csv}`,
          '--source',
          'customers=100',
        ],
        `source transactions: enqueued with 300 generated rows (seed 42), asked file ${csv}`,
      ],
      [
        [...same, '--seed', '7'],
        'source customers: enqueued with 100 generated rows (seed 42), asked 100 generated rows (seed 7)',
      ],
      [
        [...same, '--gen', 'nullRegions=0.5'],
        'source transactions: enqueued with 300 generated rows (seed 42), asked 300 generated rows (seed 42, options nullRegions=0.5)',
      ],
      [
        ['--date', date, '--suite', 'pipeline', '--sources', 'transactions', '--source', 'transactions=300'],
        'sources ingested: enqueued with transactions, customers, products, asked transactions',
      ],
    ];
    const results = await limited(
      cases.map(
        ([args]) =>
          () =>
            enqueue(args),
      ),
    );
    results.forEach((result, i) => {
      const [args, difference] = cases[i] as (typeof cases)[number];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toContain(`run sales_etl-${date} exists with other options:\n`);
      expect(result.stderr).toContain(`  - ${difference}\n`);
      expect(result.stderr).toMatch(/Nothing was enqueued\. .*enqueue with --rerun/);
      expect(result.stderr).not.toContain('nothing added');
    });
    expect(await jobCounts()).toEqual(before);

    // The same options: nothing added, and said so.
    const again = await enqueue(same);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(again.stdout).toBe(`already enqueued (nothing added): sales_etl-${date}\n`);
    expect(await jobCounts()).toEqual(before);

    // A backfill over an existing date with other options is refused whole: the new date is not added.
    const backfill = await enqueue(['--date', date, '--to', '2024-05-03', '--suite', 'notebook']);
    expect(backfill.code).toBe(2);
    expect(backfill.stderr).toContain(`run sales_etl-${date} exists with other options:`);
    expect(await jobCounts()).toEqual(before);

    // --rerun runs the date again with the new options.
    const rerun = await enqueue(['--date', date, '--suite', 'notebook', '--rerun']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`^enqueued: sales_etl-${date}-r\\S+\\n$`));
  });
});

describe('two processes enqueueing the same new run at the same moment with different options', () => {
  it('make one run; the other is told its options were not used and pointed to --rerun', {
    timeout: 300_000,
  }, async () => {
    const date = '2024-05-04';
    const base = ['--date', date, '--source', 'transactions=300', '--source', 'customers=100'];
    const results = await Promise.all([
      enqueue([...base, '--suite', 'pipeline']),
      enqueue([...base, '--suite', 'notebook']),
    ]);
    // Whichever came second was refused before adding (it saw the run) or, if both looked before
    // either added, lost the race and was told afterwards; either way its options were not used.
    const codes = results.map((result) => result.code);
    expect(codes.sort()).toEqual([0, 2]);
    const winner = results.find((result) => result.code === 0) as (typeof results)[number];
    const loser = results.find((result) => result.code === 2) as (typeof results)[number];
    expect(winner.stdout).toBe(`enqueued: sales_etl-${date}\n`);
    expect(loser.stderr).toMatch(/suite: enqueued with (pipeline|notebook), asked (notebook|pipeline)/);
    expect(loser.stderr).toMatch(/--rerun/);
    expect(loser.stdout).not.toContain('enqueued:');
    const root = await env.producer.queues.quality.getJob(`sales_etl-${date}-quality`);
    expect(loser.stderr).toContain(`asked ${root?.data.suite === 'pipeline' ? 'notebook' : 'pipeline'}`);
  });
});
