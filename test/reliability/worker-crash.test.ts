import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { jobIds, runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { bigRun, checksums, type Events, nextEvent, openEvents, Processes } from './support/harness.ts';

/**
 * Fault 1: a worker process dies (SIGKILL) in the middle of a transform. Its lock runs out, another
 * worker's stalled-job check puts the job back, and the run completes with the bytes an undisturbed
 * run writes. Lock and stall intervals are shortened so recovery takes seconds, not a minute.
 */

const FAST_RECOVERY = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' };
const DATE = '2024-03-05';
// Enough rows for ~100 transform batches: the kill lands after the first one, long before the last.
const ROWS = 150_000;

const processes = new Processes();
const envs: PipelineEnv[] = [];
const subscriptions: Events[] = [];
afterEach(async () => {
  await processes.killAll();
  await Promise.all(subscriptions.splice(0).map((events) => events.close()));
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

async function isolatedEnv(workers: boolean): Promise<PipelineEnv> {
  const env = await createPipelineEnv({ workers, env: FAST_RECOVERY });
  envs.push(env);
  return env;
}

describe('a worker killed with SIGKILL mid-transform', () => {
  it('is recovered by another worker, and the run writes the bytes of an undisturbed run', async () => {
    const env = await isolatedEnv(false);
    const spec = bigRun(DATE, ROWS);
    const transformId = jobIds.transform(runIdOf(spec));
    const transform = await openEvents(env.config, 'transform');
    subscriptions.push(transform);
    const isTransform = ({ jobId }: { jobId: string }) => jobId === transformId;
    const midTransform = nextEvent<{ jobId: string; data: unknown }>(
      transform.events,
      'progress',
      ({ jobId, data }) => jobId === transformId && (data as { stage?: string }).stage === 'rows',
    );
    const stalled = nextEvent(transform.events, 'stalled', isTransform);

    const victim = await processes.worker(env.env);
    const outcome = env.run([spec], 90_000);
    await midTransform;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    // The dead worker still holds the job: active, until its lock runs out.
    const job = await Job.fromId(env.producer.queues.transform, transformId);
    expect(await job?.getState()).toBe('active');

    const rescuer = await processes.worker(env.env);
    await stalled; // the rescuer's stalled-job check put the job back
    const [result] = await outcome;
    expect(result?.status).toBe('success');
    expect(result?.record?.steps.map((step) => step.status)).toEqual(Array(5).fill('success'));
    const finishedBy = (logs: Record<string, unknown>[]) =>
      logs.some((entry) => entry.msg === 'step finished' && entry.jobId === transformId);
    expect(finishedBy(victim.logs)).toBe(false);
    expect(finishedBy(rescuer.logs)).toBe(true);

    // The same spec, undisturbed, in another isolated env: every landing and processed object is
    // byte-identical, and the killed writes left nothing visible behind (the key sets are equal).
    const reference = await isolatedEnv(true);
    const [undisturbed] = await reference.run([spec], 90_000);
    expect(undisturbed?.status).toBe('success');
    const csv = async (e: PipelineEnv) =>
      Object.fromEntries(
        Object.entries(await checksums(e.producer.lake)).filter(([key]) => key.endsWith('.csv')),
      );
    const recovered = await csv(env);
    expect(Object.keys(recovered).filter((key) => key.startsWith('sales_etl/datasets/'))).toHaveLength(3);
    expect(recovered).toEqual(await csv(reference));
  });
});
