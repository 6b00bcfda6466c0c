import { Job, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { logger } from '../../src/lib/logger.ts';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { createRedis } from '../../src/lib/redis.ts';
import { ingestProcessor } from '../../src/workers/processors/ingest.ts';
import { startWorkerRuntime } from '../../src/workers/runtime.ts';
import { toBullProcessor, type WorkerDeps } from '../../src/workers/step.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';

/**
 * BullMQ may hand a worker a job while it closes (a fetch, or the next job returned with the last
 * one's completion, already under way when the signal came). Such a job is given back unstarted:
 * back to waiting, no attempt used, nothing written, and another worker runs it.
 */

const envs: PipelineEnv[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

describe('a job handed over during shutdown', () => {
  it('goes back to the queue unstarted, and another worker runs it', async () => {
    const env = await createPipelineEnv({ workers: false });
    envs.push(env);
    const { producer } = env;
    const [run] = await enqueueRuns(producer, [generatedRun('2024-05-01')]);
    const runId = run?.runId as string;

    // Take one ingestion job by hand, as BullMQ's fetch does, then begin shutting down.
    const connection = createRedis(env.config.REDIS_URL, 'worker');
    const fetcher = new Worker('ingest', null, {
      connection,
      prefix: env.config.QUEUE_PREFIX,
      autorun: false,
    });
    const stopping = new AbortController();
    const deps: WorkerDeps = {
      config: env.config,
      registry: producer.registry,
      lake: producer.lake,
      queues: producer.queues,
      flows: producer.flows,
      logger: logger.child({}, { level: 'silent' }),
      stopping: stopping.signal,
    };
    try {
      const token = 'closing-worker-token';
      const job = (await fetcher.getNextJob(token)) as Job;
      expect(job.id).toBe(jobIds.ingest(runId, 'transactions'));
      expect(await job.getState()).toBe('active');
      stopping.abort();

      const processJob = toBullProcessor('ingest', ingestProcessor(deps), deps);
      await expect(processJob(job, token)).rejects.toMatchObject({ name: 'WaitingError' });

      const returned = (await Job.fromId(producer.queues.ingest, job.id as string)) as Job;
      expect(await returned.getState()).toBe('waiting');
      expect(returned.attemptsMade).toBe(0);
      expect(
        await producer.lake.storage.exists(lakeKeys.landing('sales_etl', 'transactions', '2024-05-01')),
      ).toBe(false);
    } finally {
      await fetcher.close();
      await connection.quit();
    }

    const workers = await startWorkerRuntime(env.config, {
      queues: ['ingest', 'transform', 'quality'],
      concurrency: 2,
    });
    try {
      const [outcome] = await env.follower.wait([runId], 30_000);
      expect(outcome?.status).toBe('success');
      const steps = outcome?.record?.steps ?? [];
      expect(steps.find((step) => step.name === 'ingest_transactions')).toMatchObject({
        status: 'success',
        attempts: 1,
      });
    } finally {
      await workers.shutdown();
    }
  });
});
