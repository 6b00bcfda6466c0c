import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../../src/dev/worker-process.ts';
import type { QueueName } from '../../src/lib/pipeline/jobs.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, writePipelinesDir } from '../helpers/test-pipelines.ts';
import { type Events, nextEvent, openEvents } from './support/harness.ts';

/**
 * Names a worker cannot resolve: a job of a pipeline that is not loaded, or naming a source or suite
 * its pipeline does not have, fails at once (never retried) with a message listing what exists; a
 * definition that does not load stops the worker at start with the file and the problem.
 */

let env: PipelineEnv;
let broken: PipelinesDir;
beforeAll(async () => {
  env = await createPipelineEnv();
  broken = await writePipelinesDir({
    broken: `import { definePipeline, fact } from '${new URL('../../src/api.ts', import.meta.url).href}';
export default definePipeline({
  name: 'broken',
  sources: { t: fact({ eventTime: 'ts', schema: { ts: 'datetime', v: 'float' } }) },
  // A column the source does not have: tsc would say so; loading must too.
  transform: ({ from }) => from('t').dedupe('nope' as never).write('out'),
});
`,
  });
});
afterAll(async () => {
  await env.close();
  await broken.cleanup();
});

const run = { runId: 'nope-2024-07-01', pipeline: 'nope', date: '2024-07-01' };
const sales = { runId: 'sales_etl-2024-07-02', pipeline: 'sales_etl', date: '2024-07-02' };
const generate = { kind: 'generate', seed: 42, options: {} };

describe('a job whose names the workers cannot resolve', () => {
  it('fails at once, never retried, saying what is loaded; the workers keep serving', async () => {
    const jobs: [QueueName, string, Record<string, unknown>, RegExp][] = [
      [
        'ingest',
        'pipeline-ingest',
        { ...run, source: 'transactions', input: generate },
        /^UNKNOWN_PIPELINE: unknown pipeline "nope"; loaded pipelines: .*sales_etl/,
      ],
      ['transform', 'pipeline-transform', run, /^UNKNOWN_PIPELINE: unknown pipeline "nope"/],
      [
        'quality',
        'pipeline-quality',
        { ...run, suite: 'notebook', sources: ['transactions'] },
        /^UNKNOWN_PIPELINE: unknown pipeline "nope"/,
      ],
      [
        'schedule',
        'pipeline-schedule',
        { pipeline: 'nope', sources: { transactions: generate }, dateOffsetDays: 0 },
        /^UNKNOWN_PIPELINE: unknown pipeline "nope"/,
      ],
      [
        'ingest',
        'source',
        { ...sales, source: 'orders', input: generate },
        /^UNKNOWN_SOURCE: pipeline sales_etl has no source "orders"; its sources: transactions, customers, products/,
      ],
      [
        'quality',
        'suite',
        { ...sales, suite: 'strict', sources: ['transactions'] },
        /^UNKNOWN_SUITE: pipeline sales_etl has no quality suite "strict"; its suites: notebook, pipeline/,
      ],
    ];
    const queues = [...new Set(jobs.map(([queue]) => queue))];
    const events = new Map<QueueName, Events>();
    for (const queue of queues) events.set(queue, await openEvents(env.config, queue));
    try {
      const failed = jobs.map(([queue, id]) =>
        nextEvent<{ jobId: string; failedReason: string }>(
          (events.get(queue) as Events).events,
          'failed',
          ({ jobId }) => jobId === `bad-${id}`,
        ),
      );
      // attempts: 3, as the flows give their jobs: a name that cannot resolve must not use them.
      for (const [queue, id, data] of jobs) {
        await env.producer.queues[queue].add('raw', data as never, { jobId: `bad-${id}`, attempts: 3 });
      }
      const reasons = await Promise.all(failed);
      for (const [i, [queue, id, , message]] of jobs.entries()) {
        const job = (await env.producer.queues[queue].getJob(`bad-${id}`)) as Job;
        expect({ id, state: await job.getState(), attemptsMade: job.attemptsMade }).toEqual({
          id,
          state: 'failed',
          attemptsMade: 1,
        });
        expect(reasons[i]?.failedReason, id).toMatch(message);
      }
    } finally {
      await Promise.all([...events.values()].map((subscription) => subscription.close()));
    }
    // Nothing was written for them.
    expect(await env.producer.lake.storage.list('nope/')).toEqual([]);
  });
});

describe('a pipeline definition that does not load', () => {
  it('stops a worker process at start-up (exit 2) naming the file and the problem', async () => {
    await expect(startWorkerProcess({ ...env.env, PIPELINES_DIR: broken.dir })).rejects.toThrow(
      /exited \(2\) before it was ready: worker: \S*broken\/pipeline\.ts: pipeline broken is not valid:\n.*nope/,
    );
  });

  it('stops a worker process when the pipelines directory is missing', async () => {
    await expect(startWorkerProcess({ ...env.env, PIPELINES_DIR: `${broken.dir}/missing` })).rejects.toThrow(
      /exited \(2\) before it was ready: worker: cannot read the pipelines directory .*missing \(PIPELINES_DIR\)/,
    );
  });
});
