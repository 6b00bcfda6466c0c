import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { type RunRecord, writeRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { appendHistory, type HistoryEntry, historyEntry } from '../../src/lib/quality/history.ts';
import type { CheckResult, QualityReport } from '../../src/lib/quality/report.ts';

/**
 * Run records, quality reports and history entries as workers write them, built by hand so the report
 * pages' tests know every value they should find: a sales_etl-like run with a passing check, a failing
 * one with samples, a warning on levels, a dataset-level check and a check that could not run.
 */

export const PIPELINE = 'sales_etl';
export const DATASET = 'enriched';
/** A sample value that must show as text, never run. */
export const SCRIPT_VALUE = '<script>alert("pwned")</script>';

const sha = (seed: string) => seed.repeat(64).slice(0, 64);

/** The checks of a report whose failing check has `failing` rows out of `rows`. */
export function checkResults(failing: number, rows: number): CheckResult[] {
  // `blocking` (and the report's `blocked`) are asserted rather than typed: the fields are new, and the
  // fixtures compile with the report type before and after them.
  const base = { warn: null, error: null, threshold: null, severity: null, blocking: false } as const;
  const results = [
    {
      ...base,
      check_name: 'Uniqueness: transaction_id',
      check_type: 'uniqueness',
      column: 'transaction_id',
      threshold: 1,
      severity: 'error',
      score: 1,
      status: 'PASS',
      outcome: 'pass',
      failing_rows: 0,
      observed: { failing_rows: 0, fraction: 0 },
      samples: [],
    },
    {
      ...base,
      check_name: 'Range: profit_margin [-50, 100]',
      check_type: 'validity',
      column: 'profit_margin',
      threshold: 0.95,
      severity: 'error',
      score: Math.round((1 - failing / rows) * 1e4) / 1e4,
      status: 'FAIL',
      outcome: 'error',
      failing_rows: failing,
      observed: { failing_rows: failing, fraction: failing / rows },
      samples: [
        { row: 8, values: { profit_margin: '-127.06' } },
        { row: 21, values: { profit_margin: '-111.34' } },
      ],
    },
    {
      ...base,
      check_name: 'Completeness: region',
      check_type: 'completeness',
      column: 'region',
      warn: '> 0',
      error: '> 5%',
      score: Math.round((1 - 3 / rows) * 1e4) / 1e4,
      status: 'WARN',
      outcome: 'warn',
      failing_rows: 3,
      observed: { failing_rows: 3, fraction: 3 / rows },
      samples: [{ row: 42, values: { region: SCRIPT_VALUE } }],
    },
    {
      ...base,
      check_name: 'Row count change',
      check_type: 'consistency',
      column: '',
      warn: '> 10%',
      score: 1,
      status: 'PASS',
      outcome: 'pass',
      failing_rows: null,
      observed: {
        failing_rows: null,
        fraction: null,
        value: 4.5,
        detail: 'rows changed by 4.5% from the last run',
      },
      samples: [],
    },
    {
      ...base,
      check_name: 'Valid segments',
      check_type: 'validity',
      column: 'segment',
      threshold: 1,
      severity: 'warn',
      score: 0,
      status: 'ERROR: column segment not found',
      outcome: 'warn',
      failing_rows: null,
      observed: { failing_rows: null, fraction: null },
      samples: [],
    },
  ];
  return results as CheckResult[];
}

/** A report of `date`'s run; `rows` and `failing` vary the scores from date to date. */
export function sampleReport(runId: string, date: string, rows = 985, failing = 59): QualityReport {
  const results = checkResults(failing, rows);
  const overall = Math.round((results.reduce((sum, r) => sum + r.score, 0) / results.length) * 1e4) / 1e4;
  const report = {
    dataset: DATASET,
    dataset_key: lakeKeys.dataset(PIPELINE, DATASET, date),
    date,
    runId,
    suite: 'notebook',
    checks: [],
    timestamp: `${date}T02:00:09.000Z`,
    row_count: rows,
    overall_score: overall,
    passed: false,
    warnings: results.filter((r) => r.outcome === 'warn').map((r) => r.check_name),
    check_results: results,
    blocked: [],
  };
  return report as QualityReport;
}

const at = (date: string, seconds: number) =>
  new Date(Date.parse(`${date}T02:00:00.000Z`) + seconds * 1000).toISOString();

/**
 * The record of a run with three ingestions, the transform and the quality step: each ingestion waits
 * 1 s and works 2 s, the transform waits 0.5 s and works 3 s, the quality step waits 0.25 s and works 1 s.
 */
export function sampleRecord(runId: string, date: string, report: QualityReport | null): RunRecord {
  const step = (
    name: string,
    queue: 'ingest' | 'transform' | 'quality',
    jobId: string,
    from: number,
    to: number,
  ) => ({
    name,
    queue,
    jobId,
    required: queue !== 'quality',
    status: 'success',
    attempts: 1,
    startedAt: at(date, from),
    endedAt: at(date, to),
    durationMs: (to - from) * 1000,
  });
  const landing = (source: string, rows: number) => ({
    key: lakeKeys.landing(PIPELINE, source, date),
    rows,
    bytes: rows * 64,
    sha256: sha(source[0] ?? 'a'),
  });
  const enriched = {
    key: lakeKeys.dataset(PIPELINE, DATASET, date),
    rows: 985,
    bytes: 123_456,
    sha256: sha('e'),
  };
  return {
    runId,
    pipeline: PIPELINE,
    date,
    suite: report ? report.suite : null,
    status: report ? 'partial' : 'success',
    enqueuedAt: at(date, 0),
    endedAt: at(date, 7.75),
    durationMs: 7750,
    steps: [
      step('ingest_transactions', 'ingest', `${runId}-ingest-transactions`, 1, 3),
      step('ingest_customers', 'ingest', `${runId}-ingest-customers`, 1, 3),
      step('ingest_products', 'ingest', `${runId}-ingest-products`, 1, 3),
      step('transform', 'transform', `${runId}-transform`, 3.5, 6.5),
      step('quality_checks', 'quality', `${runId}-quality`, 6.75, 7.75),
    ],
    errors: [],
    quality: report
      ? {
          passed: report.passed,
          overallScore: report.overall_score,
          failedChecks: ['Range: profit_margin [-50, 100]'],
          warnings: report.warnings,
          reportKey: lakeKeys.qualityReport(PIPELINE, DATASET, date, runId),
        }
      : null,
    quarantined: { transactions: 4 },
    datasets: { enriched },
    lineage: {
      inputs: [landing('transactions', 1000), landing('customers', 200), landing('products', 50)],
      outputs: [landing('transactions', 1000), enriched],
    },
  };
}

/** The history entries of reports, oldest first. */
export function historyOf(reports: readonly QualityReport[]): HistoryEntry[] {
  return reports.map((report) => historyEntry(PIPELINE, report, {}));
}

/**
 * Writes a run per date to the lake as a worker would: its report, its history entry and its record
 * (not its HTML page). Rows grow and failures shrink from date to date, so the trend moves.
 */
export async function writeRuns(
  lake: DataLake,
  dates: readonly string[],
): Promise<{ records: RunRecord[]; reports: QualityReport[] }> {
  const records: RunRecord[] = [];
  const reports: QualityReport[] = [];
  for (const [i, date] of dates.entries()) {
    const runId = `${PIPELINE}-${date}`;
    const report = sampleReport(runId, date, 900 + 20 * i, 60 - 5 * i);
    const record = sampleRecord(runId, date, report);
    await lake.writeJson(lakeKeys.qualityReport(PIPELINE, DATASET, date, runId), report);
    await appendHistory(lake, historyEntry(PIPELINE, report, {}));
    await writeRunRecord(lake, record);
    records.push(record);
    reports.push(report);
  }
  return { records, reports };
}
