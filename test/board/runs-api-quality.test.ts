import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunListBody } from '../../src/board/runs-api.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { type RunRecord, writeRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

/**
 * The run API's summaries show what the quality step found beyond pass and fail: the checks that
 * warned (the run stays `success`), blocking checks, and quarantined rows; the run itself keeps every
 * check's outcome. (Records of older runs show empty ones: runs-api.test.ts.)
 */

function record(
  runId: string,
  fields: { pipeline: string; date: string; status: 'success'; endedAt: string },
): RunRecord {
  return {
    runId,
    pipeline: fields.pipeline,
    date: fields.date,
    suite: 'pipeline',
    status: fields.status,
    enqueuedAt: '2024-02-01T00:00:00.000Z',
    endedAt: fields.endedAt,
    durationMs: 1234,
    steps: [],
    errors: [],
    quality: {
      passed: true,
      overallScore: 97.5,
      failedChecks: [],
      reportKey: lakeKeys.qualityReport(fields.pipeline, 'enriched', fields.date, runId),
    },
    datasets: {},
    lineage: { inputs: [], outputs: [] },
  };
}

describe('run API: warnings, blocking checks and quarantines', () => {
  let env: BoardEnv;
  beforeAll(async () => {
    env = await startBoard();
  });
  afterAll(async () => {
    await env?.close();
  });

  it("shows a run's warnings, blocking checks and quarantined rows in its summary", async () => {
    const warned = record('sales_etl-2024-01-25', {
      pipeline: 'sales_etl',
      date: '2024-01-25',
      status: 'success',
      endedAt: '2024-02-01T08:00:00.000Z',
    });
    const quality = warned.quality as NonNullable<RunRecord['quality']>;
    warned.quality = {
      ...quality,
      warnings: ['Complete: device'],
      blocked: [],
      checks: [{ name: 'Complete: device', outcome: 'warn', score: 0.9, failingRows: 1 }],
    };
    warned.quarantined = { readings: 3 };
    await writeRunRecord(env.lake, warned);
    const { body } = await env.json<RunListBody>('/api/runs?pipeline=sales_etl&date=2024-01-25');
    expect(body.runs.map((run) => [run.runId, run.status, run.quality, run.quarantined])).toEqual([
      [
        'sales_etl-2024-01-25',
        'success',
        {
          passed: true,
          overallScore: 97.5,
          failedChecks: [],
          warnings: ['Complete: device'],
          blocked: [],
        },
        { readings: 3 },
      ],
    ]);
    // The run itself keeps every check's outcome.
    const run = await env.json<RunRecord>('/api/runs/sales_etl-2024-01-25');
    expect(run.body.quality?.checks).toEqual(warned.quality.checks);
  });
});
