import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueName } from '../../src/lib/pipeline/jobs.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/workers/runtime.ts';
import { startCli } from '../helpers/cli.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';

/**
 * `npm run enqueue --wait` with no worker serving a queue the run needs warns at once on stderr, naming
 * the queues, and keeps waiting: the run ends when a worker comes. With every queue served, no warning.
 */

let env: PipelineEnv | undefined;
const runtimes: WorkerRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.shutdown()));
  await env?.close();
  env = undefined;
});

const RUN = ['--suite', 'pipeline', '--source', 'transactions=300', '--source', 'customers=100'];

/** Starts in-process workers for `queues` and resolves once Redis lists them (their named connections). */
async function serve(current: PipelineEnv, queues: QueueName[]): Promise<WorkerRuntime> {
  const runtime = await startWorkerRuntime(current.config, { queues, concurrency: 1 });
  runtimes.push(runtime);
  for (const worker of runtime.workers) {
    const ready = once(worker, 'ready');
    const queue = current.producer.queues[worker.name as QueueName];
    if ((await queue.getWorkersCount()) === 0) await ready;
  }
  return runtime;
}

describe('npm run enqueue --wait', () => {
  it('warns at once when no worker serves a queue the run needs, and keeps waiting for one', {
    timeout: 180_000,
  }, async () => {
    const current = await createPipelineEnv({ workers: false });
    env = current;
    await serve(current, ['ingest']);
    const cli = startCli(
      'src/producers/enqueue.ts',
      ['--date', '2024-06-01', ...RUN, '--wait', '--timeout', '150'],
      current.env,
    );
    await cli.stderrMatches(/warning: no worker is serving queues transform, quality/);
    expect(cli.stderr).toMatch(
      new RegExp(
        `^warning: no worker is serving queues transform, quality \\(QUEUE_PREFIX ${current.env.QUEUE_PREFIX}\\); the runs wait until one starts \\(npm run worker`,
      ),
    );
    expect(cli.stdout).toContain('enqueued: sales_etl-2024-06-01\n');
    expect(cli.child.exitCode).toBeNull(); // still waiting

    await serve(current, ['transform', 'quality']);
    const result = await cli.exited(150_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/sales_etl-2024-06-01 +success/i);
  });

  it('says nothing when every queue the run needs is served', { timeout: 180_000 }, async () => {
    const current = await createPipelineEnv({ workers: false });
    env = current;
    await serve(current, ['ingest', 'transform', 'quality']);
    const result = await startCli(
      'src/producers/enqueue.ts',
      ['--date', '2024-06-02', ...RUN, '--wait', '--timeout', '150'],
      current.env,
    ).exited(150_000);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/sales_etl-2024-06-02 +success/i);
  });
});
