import { describe, expect, it } from 'vitest';
import { buildRunFlow } from '../../src/lib/pipeline/flow.ts';
import { runIdOf } from '../../src/lib/pipeline/run-spec.ts';
import { generatedRun } from '../helpers/pipeline-env.ts';

const options = { attempts: 3, backoffMs: 100, keepCompletedSeconds: 60 };

describe('buildRunFlow', () => {
  it('nests quality ← transform ← one ingestion per source, with deterministic ids', () => {
    const flow = buildRunFlow(generatedRun('2024-01-20'), options);
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
    const ids = [flow, transform, ...(transform?.children ?? [])].map((job) => job?.opts?.jobId ?? ':');
    expect(ids.filter((id) => id.includes(':'))).toEqual([]);
  });

  it('makes every child fail its parent, and retries with exponential backoff', () => {
    const flow = buildRunFlow(generatedRun('2024-01-20'), options);
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
    const flow = buildRunFlow(spec, options);
    expect(runIdOf(spec)).toBe('sales_etl-2024-01-21-rabc');
    expect(flow.data.sources).toEqual(['transactions']);
    expect(flow.children?.[0]?.children).toHaveLength(1);
  });
});
