import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecords } from '../../src/board/run-records.ts';
import { loadPipelines } from '../../src/lib/definition/registry.ts';
import type { InputSpec } from '../../src/lib/pipeline/jobs.ts';
import { dateRuns } from '../../src/lib/pipeline/latest-run.ts';
import type { RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import { parseEnqueueArgs } from '../../src/producers/enqueue-args.ts';
import { runCli } from '../helpers/cli.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, writePipelinesDir } from '../helpers/test-pipelines.ts';

/**
 * `npm run enqueue -- --retry-failed --date A --to B` re-runs only the dates of the range whose latest
 * run (the run API's rule) ended failed or partial, skips the others saying why, follows the re-runs
 * and ends with the summary table, where the checks that warned show. Real workers, real Redis, a real
 * lake; the dates fail by the generator options of the first backfill, which the retry does not pass.
 */

const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;
const P = 'retry_p';
/** `bad`: that date's values are out of range (the run ends partial); `boom`: its ingestion fails. */
const PIPELINE = `import { complete, definePipeline, fact, inRange, z } from '${API}';

export default definePipeline({
  name: '${P}',
  sources: {
    readings: fact({
      eventTime: 'ts',
      schema: { id: 'string', ts: 'datetime', value: 'float', note: 'string' },
      generate: {
        defaultRecords: 10,
        options: z.object({ bad: z.string().optional(), boom: z.string().optional() }),
        *rows({ date, records, options }) {
          if (options.boom === date) throw new Error(\`no readings for \${date}\`);
          for (let n = 0; n < records; n++) {
            const value = options.bad === date ? 1000 : n;
            // The first row has no note: the completeness check warns on every run.
            yield { id: \`R\${n}\`, ts: \`\${date} 10:00:00\`, value, ...(n === 0 ? {} : { note: 'x' }) };
          }
        },
      },
    }),
  },
  transform: ({ from }) => from('readings').write('out'),
  quality: ({ suite }) => ({
    checks: suite('out', [complete('note', { warn: '> 0', error: '> 50%' }), inRange('value', 0, 100)]),
  }),
});
`;

const silent = pino({ level: 'silent' });
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let dir: PipelinesDir;
let env: PipelineEnv;
beforeAll(async () => {
  dir = await writePipelinesDir({ [P]: PIPELINE });
  env = await createPipelineEnv({ env: { PIPELINES_DIR: dir.dir, JOB_ATTEMPTS: '1' } });
});
afterAll(async () => {
  await env?.close();
  await dir?.cleanup();
});

const run = (date: string, options: Record<string, string> = {}): RunSpec => ({
  pipeline: P,
  date,
  sources: { readings: { kind: 'generate', records: 10, seed: 1, options } satisfies InputSpec },
});
const enqueue = (args: string[]) => runCli('src/producers/enqueue.ts', args, env.env);
const records = () => new RunRecords(env.producer.lake, [P], silent, 4).list({ pipeline: P });

describe('enqueue --retry-failed', () => {
  it('re-runs the dates whose latest run failed or ended partial, skips the rest, and waits for them', {
    timeout: 120_000,
  }, async () => {
    const failing = { bad: '2024-03-02', boom: '2024-03-03' };
    const first = await env.run(['2024-03-01', '2024-03-02', '2024-03-03'].map((date) => run(date, failing)));
    expect(first.map((outcome) => [outcome.runId, outcome.status])).toEqual([
      [`${P}-2024-03-01`, 'success'],
      [`${P}-2024-03-02`, 'partial'],
      [`${P}-2024-03-03`, 'failed'],
    ]);
    const warning = first[0]?.record?.quality?.warnings?.[0] as string;
    expect(warning).toMatch(/note/i);

    const result = await enqueue([
      ...['--pipeline', P, '--retry-failed', '--date', '2024-03-01', '--to', '2024-03-04'],
      ...['--timeout', '90'],
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `retry-failed ${P} 2024-03-01 to 2024-03-04: 2 of 4 date(s) to re-run`,
      `  skip   2024-03-01: latest run ${P}-2024-03-01 ended success`,
      expect.stringMatching(
        new RegExp(
          `^  re-run 2024-03-02: latest run ${P}-2024-03-02 ended partial: quality_checks: failed checks: `,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^  re-run 2024-03-03: latest run ${P}-2024-03-03 ended failed: ingest_readings: .*no readings`,
        ),
      ),
      '  skip   2024-03-04: no run of this date yet (enqueue it without --retry-failed)',
    ]);
    // New run ids (re-runs), each followed to its end, then the summary table with the warning.
    const reruns = [...result.stdout.matchAll(new RegExp(`enqueued: (${P}-2024-03-0[23]-r\\S+)`, 'g'))].map(
      (match) => match[1] as string,
    );
    expect(reruns).toHaveLength(2);
    // Each re-run's quality step line names the check that warned.
    for (const runId of reruns) {
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^ok {3}${runId} quality: wait .*; warnings: ${literal(warning)}$`)),
      );
    }
    const header = lines.find((line) => line.startsWith('run ')) as string;
    expect(header).toMatch(/^run\s+status\s+dataset rows\s+quality\s+warnings\s+duration/);
    for (const runId of reruns) {
      const row = lines.find((line) => line.startsWith(`${runId} `)) as string;
      expect(row).toMatch(/^\S+\s+SUCCESS\s+out 10\s+\S+\s+1: /);
      expect(row.slice(header.indexOf('warnings'))).toContain(`1: ${warning}`.slice(0, 40));
    }
    expect(result.stdout).not.toContain(`enqueued: ${P}-2024-03-01`);
    expect(result.stdout).not.toContain('2024-03-04-r');

    // The re-runs are now their dates' latest runs, as the run API marks them.
    const byDate = dateRuns(await records(), P);
    expect(
      [...byDate.entries()].sort().map(([date, runs]) => [date, runs.latest?.runId, runs.latest?.status]),
    ).toEqual([
      ['2024-03-01', `${P}-2024-03-01`, 'success'],
      ['2024-03-02', reruns.find((id) => id.includes('2024-03-02')), 'success'],
      ['2024-03-03', reruns.find((id) => id.includes('2024-03-03')), 'success'],
    ]);

    // Again: nothing left to retry; nothing enqueued.
    const again = await enqueue([
      '--pipeline',
      P,
      '--retry-failed',
      '--date',
      '2024-03-01',
      '--to',
      '2024-03-03',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`retry-failed ${P} 2024-03-01 to 2024-03-03: 0 of 3 date(s) to re-run\n`);
    expect(again.stdout).toContain(`  skip   2024-03-02: latest run ${reruns[0]} ended success\n`);
    expect(again.stdout).toMatch(/\nnothing to re-run\n$/);
    expect(await records()).toHaveLength(5);
  });

  it('is refused without a date range or with --split-by-date (exit 2), and documented in --help', async () => {
    const registry = await loadPipelines(dir.dir);
    const refused = (args: string[]) => () => parseEnqueueArgs(['--pipeline', P, ...args], registry);
    expect(refused(['--retry-failed'])).toThrow(/--retry-failed needs the dates to look at/);
    expect(refused(['--retry-failed', '--to', '2024-03-02'])).toThrow(/--retry-failed needs the dates/);
    expect(refused(['--retry-failed', '--source', 'readings=x.csv', '--split-by-date', 'readings'])).toThrow(
      /--retry-failed .* not --split-by-date/,
    );
    // A range: re-runs (new run ids) of every date, chosen among once the records are read; always waited for.
    const request = parseEnqueueArgs(
      ['--pipeline', P, '--retry-failed', '--date', '2024-03-01', '--to', '2024-03-02'],
      registry,
    );
    expect(request).toMatchObject({ retryFailed: true, wait: true });
    expect(request.runs.map((spec) => [spec.date, typeof spec.rerunTag])).toEqual([
      ['2024-03-01', 'string'],
      ['2024-03-02', 'string'],
    ]);

    const cli = await enqueue(['--pipeline', P, '--retry-failed']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--retry-failed needs the dates to look at');
    const help = await enqueue(['--help']);
    expect(help.stdout).toMatch(/--retry-failed +re-run only the dates from --date to --to whose latest run/);
  });
});
