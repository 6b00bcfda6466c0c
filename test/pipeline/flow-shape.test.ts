import type { FlowJob } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelines, type PipelineRegistry } from '../../src/lib/definition/registry.ts';
import {
  buildRunFlow,
  parseRunId,
  planSteps,
  runIdOf,
  stepOfJobId,
} from '../../src/lib/pipeline/lifecycle.ts';
import { generatedRun } from '../helpers/pipeline-env.ts';
import {
  type PipelinesDir,
  REPO_PIPELINES,
  smallPipeline,
  writePipelinesDir,
} from '../helpers/test-pipelines.ts';

const options = { attempts: 3, backoffMs: 100, keepCompletedSeconds: 60 };

let repo: PipelineRegistry;
let small: PipelineRegistry;
let dir: PipelinesDir;
beforeAll(async () => {
  repo = await loadPipelines(REPO_PIPELINES);
  dir = await writePipelinesDir({ two: smallPipeline('two', 1), four: smallPipeline('four', 3) });
  small = await loadPipelines(dir.dir);
});
afterAll(async () => {
  await dir.cleanup();
});

/** Every job of a flow, root first. */
const jobsOf = (flow: FlowJob): FlowJob[] => [flow, ...(flow.children ?? []).flatMap(jobsOf)];

describe('buildRunFlow', () => {
  it('nests quality ← transform ← one ingestion per source, with deterministic ids', () => {
    const flow = buildRunFlow(repo.get('sales_etl'), generatedRun('2024-01-20'), options);
    expect(flow.queueName).toBe('quality');
    expect(flow.opts?.jobId).toBe('sales_etl-2024-01-20-quality');
    const transform = flow.children?.[0];
    expect(transform?.queueName).toBe('transform');
    expect(transform?.opts?.jobId).toBe('sales_etl-2024-01-20-transform');
    expect(transform?.children?.map((child) => child.opts?.jobId)).toEqual([
      'sales_etl-2024-01-20-ingest-transactions',
      'sales_etl-2024-01-20-ingest-customers',
      'sales_etl-2024-01-20-ingest-products',
    ]);
    // BullMQ job ids may not contain ':'.
    const ids = jobsOf(flow).map((job) => job.opts?.jobId ?? ':');
    expect(ids.filter((id) => id.includes(':'))).toEqual([]);
  });

  it('makes every child fail its parent, and retries with exponential backoff', () => {
    const flow = buildRunFlow(repo.get('sales_etl'), generatedRun('2024-01-20'), options);
    const transform = flow.children?.[0];
    expect(transform?.opts?.failParentOnFailure).toBe(true);
    for (const child of transform?.children ?? []) {
      expect(child.opts?.failParentOnFailure).toBe(true);
      expect(child.opts?.attempts).toBe(3);
      expect(child.opts?.backoff).toEqual({ type: 'exponential', delay: 100 });
    }
    expect(flow.opts?.failParentOnFailure).toBeUndefined();
  });

  it('lists only the sources given, and a re-run gets its own id', () => {
    const spec = generatedRun('2024-01-21', {
      sources: { transactions: { kind: 'lake', key: 'incoming/t.csv' } },
      rerunTag: 'abc',
    });
    const flow = buildRunFlow(repo.get('sales_etl'), spec, options);
    expect(runIdOf(spec)).toBe('sales_etl-2024-01-21-rabc');
    expect(flow.data.sources).toEqual(['transactions']);
    expect(flow.children?.[0]?.children).toHaveLength(1);
  });

  it.each([
    ['two', ['readings', 'dim_1']],
    ['four', ['readings', 'dim_1', 'dim_2', 'dim_3']],
  ])(
    'derives the flow of %s from its definition: one ingestion per source, in its order',
    (name, sources) => {
      const pipeline = small.get(name);
      // Given in another order than the definition's: the flow follows the definition.
      const given = Object.fromEntries(
        [...sources].reverse().map((source) => [source, { kind: 'generate', seed: 1, options: {} } as const]),
      );
      const flow = buildRunFlow(pipeline, { pipeline: name, date: '2024-03-01', sources: given }, options);
      const runId = `${name}-2024-03-01`;
      expect(jobsOf(flow).map((job) => [job.queueName, job.opts?.jobId])).toEqual([
        ['quality', `${runId}-quality`],
        ['transform', `${runId}-transform`],
        ...sources.map((source) => ['ingest', `${runId}-ingest-${source}`]),
      ]);
      // Payloads carry the pipeline's name and references only; the default suite is named.
      expect(flow.data).toEqual({ runId, pipeline: name, date: '2024-03-01', suite: 'basic', sources });
      expect(flow.children?.[0]?.data).toEqual({ runId, pipeline: name, date: '2024-03-01' });
      expect(flow.children?.[0]?.children?.[0]?.data).toEqual({
        runId,
        pipeline: name,
        date: '2024-03-01',
        source: 'readings',
        input: { kind: 'generate', seed: 1, options: {} },
      });
      // The record's step plan is the flow's, read back from the root payload.
      expect(planSteps(flow.data).map((step) => [step.name, step.jobId, step.required])).toEqual([
        ...sources.map((source) => [`ingest_${source}`, `${runId}-ingest-${source}`, true]),
        ['transform', `${runId}-transform`, true],
        ['quality_checks', `${runId}-quality`, false],
      ]);
    },
  );

  it('refuses a source or suite the pipeline does not have, listing what it has', () => {
    const pipeline = small.get('two');
    const spec = {
      pipeline: 'two',
      date: '2024-03-01',
      sources: { readings: { kind: 'generate', seed: 1, options: {} } },
    } as const;
    expect(() =>
      buildRunFlow(
        pipeline,
        { ...spec, sources: { ...spec.sources, orders: spec.sources.readings } },
        options,
      ),
    ).toThrow(/pipeline two has no source "orders"; its sources: readings, dim_1/);
    expect(() => buildRunFlow(pipeline, { ...spec, suite: 'nope' }, options)).toThrow(
      /pipeline two has no quality suite "nope"; its suites: basic, strict/,
    );
  });
});

describe('run and job ids', () => {
  it('parse back into pipeline, date, tag and step', () => {
    expect(parseRunId('sales_etl-2024-01-20')).toEqual({ pipeline: 'sales_etl', date: '2024-01-20' });
    expect(parseRunId('p2_x-2024-01-20-rabc.1')).toEqual({
      pipeline: 'p2_x',
      date: '2024-01-20',
      rerunTag: 'abc.1',
    });
    for (const bad of ['sales_etl', 'Sales-2024-01-20', 'a/../b', 'x-2024-01-20-zz'])
      expect(parseRunId(bad), bad).toBeUndefined();
    expect(stepOfJobId('four-2024-03-01-ingest-dim_3')).toEqual({
      runId: 'four-2024-03-01',
      queue: 'ingest',
      source: 'dim_3',
    });
    expect(stepOfJobId('four-2024-03-01-rx-transform')).toEqual({
      runId: 'four-2024-03-01-rx',
      queue: 'transform',
    });
    expect(stepOfJobId('repeat:abc')).toBeUndefined();
  });
});
