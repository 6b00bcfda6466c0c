import { randomUUID } from 'node:crypto';
import { type FlowJob, FlowProducer, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { loadPipelines, type PipelineRegistry } from '../definition/registry.ts';
import { InputError } from '../errors.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { openLake } from '../lake/open-lake.ts';
import { asRedisError, createRedis, waitUntilReady } from '../redis.ts';
import type { IngestPayload, InputSpec, QualityPayload } from './jobs.ts';
import { buildRunFlow, type FlowOptions, jobIds, type RunSpec, readRootJob, runIdOf } from './lifecycle.ts';
import { closeQueues, openQueues, type PipelineQueues } from './queues.ts';

/** A producer's pipelines and connections: fail-fast Redis, the flow producer, the queues, the lake. */
export interface Producer {
  config: Config;
  /** The loaded pipelines runs are built from. */
  registry: PipelineRegistry;
  connection: Redis;
  flows: FlowProducer;
  queues: PipelineQueues;
  lake: DataLake;
  close(): Promise<void>;
}

/**
 * Loads the pipelines (unless given) and connects a producer. Redis must answer now: producers fail
 * fast (no offline queue) with a message naming the address, instead of hanging while Redis is down.
 * @param registry the pipelines to build runs from; default those of `PIPELINES_DIR`
 * @throws ConfigError `DEFINITION_INVALID` / `PIPELINES_DIR_MISSING` before connecting to anything
 */
export async function openProducer(config: Config, registry?: PipelineRegistry): Promise<Producer> {
  const pipelines = registry ?? (await loadPipelines(config.PIPELINES_DIR));
  const connection = createRedis(config.REDIS_URL, 'producer');
  connection.on('error', () => undefined); // surfaced by waitUntilReady and by each command instead
  try {
    await waitUntilReady(connection);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  let lake: DataLake;
  try {
    lake = await openLake(config);
  } catch (error) {
    connection.disconnect(); // a bad LAKE_URL must not leave the connection open
    throw error;
  }
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const queues = openQueues(connection, config.QUEUE_PREFIX);
  return {
    config,
    registry: pipelines,
    connection,
    flows,
    queues,
    lake,
    async close() {
      const results = await Promise.allSettled([flows.close(), closeQueues(queues), lake.storage.close()]);
      connection.disconnect();
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    },
  };
}

/** The retry and retention settings runs get, from configuration. */
export function flowOptionsOf(config: Config): FlowOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
    keepCompletedSeconds: config.KEEP_COMPLETED_SECONDS,
  };
}

/** What {@link enqueueRuns} did with one run. */
export interface EnqueuedRun {
  runId: string;
  /** False when the run already existed: nothing was added. */
  created: boolean;
  /**
   * How the existing run's options (suite, sources, inputs) differ from the ones asked, one line
   * each; empty when it was created or asked the same. Only a producer that lost a race to add the
   * same run can see a difference here: one found before adding refuses the call.
   */
  differences: string[];
}

/**
 * Enqueues runs; `created` is false for a run whose root job already existed (nothing was added).
 * Two producers racing to add the same run both add nothing twice (the flow is one transaction with
 * deterministic ids), and exactly one of them reports `created`: each tags its flow with an enqueue
 * id and reads back whose tag the stored root job carries. Every run is checked against its pipeline
 * before anything is added, and so is every run that exists already: asked with other options than it
 * was enqueued with (suite, sources, where their rows come from), the call is refused, since adding
 * nothing would silently ignore them.
 * @throws InputError `UNKNOWN_PIPELINE` / `UNKNOWN_SOURCE` / `UNKNOWN_SUITE` listing what exists;
 * `RUN_EXISTS_DIFFERENT` naming each run and difference (nothing added)
 * @throws PipelineError `REDIS_UNAVAILABLE` naming the address when Redis is down or does not answer
 */
export async function enqueueRuns(producer: Producer, specs: readonly RunSpec[]): Promise<EnqueuedRun[]> {
  const options = flowOptionsOf(producer.config);
  // Every flow is built (and so checked) before the first is added.
  const runs = specs.map((spec) => {
    const enqueueId = randomUUID();
    const flow = buildRunFlow(producer.registry.get(spec.pipeline), spec, options, enqueueId);
    return { runId: runIdOf(spec), enqueueId, flow };
  });
  const results: EnqueuedRun[] = [];
  try {
    const changed: string[] = [];
    for (const { runId, flow } of runs) {
      const differences = await differencesFromExisting(producer, runId, flow);
      if (differences && differences.length > 0) {
        changed.push(
          `run ${runId} exists with other options:\n${differences.map((d) => `  - ${d}`).join('\n')}`,
        );
      }
    }
    if (changed.length > 0) {
      throw new InputError(
        `${changed.join('\n')}\nNothing was enqueued. An existing run keeps the options it was enqueued with; to run ${changed.length === 1 ? 'its date' : 'these dates'} again with the new ones, enqueue with --rerun (a new run, whose outputs replace the date's).`,
        { code: 'RUN_EXISTS_DIFFERENT' },
      );
    }
    for (const { runId, enqueueId, flow } of runs) {
      await producer.flows.add(flow);
      const root = await readRootJob(producer.queues, runId);
      const created = root?.data.enqueueId === enqueueId;
      const differences = created ? [] : ((await differencesFromExisting(producer, runId, flow)) ?? []);
      results.push({ runId, created, differences });
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw asRedisError(error, producer.connection);
  }
  return results;
}

/**
 * How the run `runId`, if it exists, was enqueued differently from `flow` (as {@link buildRunFlow}
 * built it): its suite and sources from its root job's payload, each source's input from its ingest
 * job (while retention keeps it). `undefined` when the run does not exist; `[]` when it is the same.
 */
export async function differencesFromExisting(
  producer: Pick<Producer, 'queues'>,
  runId: string,
  flow: FlowJob,
): Promise<string[] | undefined> {
  const root = await readRootJob(producer.queues, runId);
  if (!root) return undefined;
  const asked = flow.data as QualityPayload;
  const existing = root.data;
  const differences: string[] = [];
  if ((existing.suite ?? null) !== (asked.suite ?? null)) {
    differences.push(`suite: enqueued with ${existing.suite ?? 'none'}, asked ${asked.suite ?? 'none'}`);
  }
  const existingSources = existing.sources ?? [];
  if (existingSources.join(',') !== asked.sources.join(',')) {
    differences.push(
      `sources ingested: enqueued with ${existingSources.join(', ') || 'none'}, asked ${asked.sources.join(', ')}`,
    );
  }
  const askedInputs = new Map<string, InputSpec>();
  for (const transform of flow.children ?? []) {
    for (const ingest of transform.children ?? []) {
      const data = ingest.data as IngestPayload;
      askedInputs.set(data.source, data.input);
    }
  }
  for (const source of asked.sources.filter((name) => existingSources.includes(name))) {
    const job = await Job.fromId<IngestPayload>(producer.queues.ingest, jobIds.ingest(runId, source));
    const was = job?.data?.input;
    const wanted = askedInputs.get(source);
    if (was === undefined || wanted === undefined) continue; // removed by retention: nothing to compare
    if (canonicalJson(was) !== canonicalJson(wanted)) {
      differences.push(
        `source ${source}: enqueued with ${describeInput(was)}, asked ${describeInput(wanted)}`,
      );
    }
  }
  return differences;
}

/** An input spec in words, for messages. */
export function describeInput(input: InputSpec): string {
  switch (input.kind) {
    case 'generate': {
      const options = Object.entries(input.options ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => `${key}=${value}`);
      const details = [`seed ${input.seed}`, ...(options.length > 0 ? [`options ${options.join(' ')}`] : [])];
      return input.records === undefined
        ? `generated rows (the generator's default count, ${details.join(', ')})`
        : `${input.records} generated rows (${details.join(', ')})`;
    }
    case 'file':
      return `file ${input.path}${input.format ? ` (${input.format})` : ''}`;
    case 'lake':
      return `lake:${input.key}${input.format ? ` (${input.format})` : ''}`;
  }
}

/** JSON with object keys sorted at every level: equal for equal values, whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** The queues a run needs a worker on: its steps' queues. */
export const RUN_QUEUES = ['ingest', 'transform', 'quality'] as const;

/**
 * Which of `queues` no connected worker serves (BullMQ's `getWorkers`: the Redis clients its workers
 * name). `[]` when Redis cannot say (a server without `CLIENT LIST`): a warning must not be a guess.
 */
export async function queuesWithoutWorkers(
  producer: Pick<Producer, 'queues'>,
  queues: readonly (typeof RUN_QUEUES)[number][] = RUN_QUEUES,
): Promise<string[]> {
  try {
    const counts = await Promise.all(queues.map((name) => producer.queues[name].getWorkersCount()));
    return queues.filter((_, i) => counts[i] === 0);
  } catch {
    return [];
  }
}
