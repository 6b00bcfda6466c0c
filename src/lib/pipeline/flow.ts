import type { FlowJob, FlowProducer, JobsOptions } from 'bullmq';
import { SOURCE_NAMES, type SourceName } from '../sources/definitions.ts';
import { type IngestPayload, jobIds, type QualityPayload, type TransformPayload } from './jobs.ts';
import { type RunSpec, runIdOf } from './run-spec.ts';

/** Retry and retention settings every job of a run gets. */
export interface FlowOptions {
  /** Attempts for transient errors. */
  attempts: number;
  /** First backoff delay in ms; doubles per attempt. */
  backoffMs: number;
  /** Seconds completed jobs are kept (the board shows them; re-enqueue stays a no-op meanwhile). */
  keepCompletedSeconds: number;
}

/**
 * Builds the BullMQ flow of one run: `quality` (root) ← `transform` ← one `ingest` child per source.
 * Job ids are deterministic, and every child fails its parent when it fails for good, so a failed
 * ingestion ends the run instead of leaving it in waiting-children.
 * @param enqueueId stored in the root job's payload (see `enqueueRuns`)
 */
export function buildRunFlow(spec: RunSpec, options: FlowOptions, enqueueId?: string): FlowJob {
  const runId = runIdOf(spec);
  const base = { runId, pipeline: spec.pipeline, date: spec.date };
  const inputs = SOURCE_NAMES.flatMap((source) => {
    const input = spec.sources[source];
    return input ? [{ source, input }] : [];
  });
  const sources: SourceName[] = inputs.map(({ source }) => source);
  const jobOptions = (jobId: string, isChild: boolean): JobsOptions => ({
    jobId,
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: { age: options.keepCompletedSeconds },
    removeOnFail: { age: options.keepCompletedSeconds * 2 },
    ...(isChild ? { failParentOnFailure: true } : {}),
  });

  const ingestJobs: FlowJob[] = inputs.map(({ source, input }) => ({
    name: `ingest-${source}`,
    queueName: 'ingest',
    data: { ...base, source, input } satisfies IngestPayload,
    opts: jobOptions(jobIds.ingest(runId, source), true),
  }));
  const transformJob: FlowJob = {
    name: 'transform',
    queueName: 'transform',
    data: base satisfies TransformPayload,
    opts: jobOptions(jobIds.transform(runId), true),
    children: ingestJobs,
  };
  return {
    name: 'quality',
    queueName: 'quality',
    data: {
      ...base,
      suite: spec.suite,
      sources,
      ...(enqueueId ? { enqueueId } : {}),
    } satisfies QualityPayload,
    opts: jobOptions(jobIds.quality(runId), false),
    children: [transformJob],
  };
}

/**
 * Enqueues a run's flow; returns its run id. A second call for the same run adds nothing.
 * @param enqueueId tags the root job, so the caller can tell whether its call created the run
 */
export async function enqueueRun(
  producer: FlowProducer,
  spec: RunSpec,
  options: FlowOptions,
  enqueueId?: string,
): Promise<string> {
  await producer.add(buildRunFlow(spec, options, enqueueId));
  return runIdOf(spec);
}
