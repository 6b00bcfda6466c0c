import { numpyMean, numpyRound, pythonRound } from '../pandas/numeric.ts';
import type { RunRecord } from '../pipeline/run-record.ts';
import type { Sample } from './batch-values.ts';
import {
  type DatasetCheck,
  hasLevels,
  isDatasetCheck,
  type QualityCheck,
  type QualityCheckType,
  type RowCheck,
  type Severity,
} from './checks.ts';
import type { DatasetOutcome } from './dataset-checks.ts';
import type { Outcome } from './evaluators.ts';
import { reaches, thresholdSchema } from './thresholds.ts';

/** How a check ended: `error` fails the quality gate, `warn` is reported, `pass` is neither. */
export type CheckOutcome = 'pass' | 'warn' | 'error';

/** One check's line in the report, with the seed's field names. */
export interface CheckResult {
  check_name: string;
  check_type: QualityCheckType;
  /** The column(s) read, comma-separated; null for a dataset check on no column (row count, schema). */
  column: string | null;
  /** An `error` of this check fails the run, not only its quality gate. */
  blocking: boolean;
  /** Rounded to 4 places; 0 for an ERROR. */
  score: number;
  /** The notebook's form as declared: minimum score (null for a check with warn/error thresholds). */
  threshold: number | null;
  /** The notebook's form as declared (null for a check with warn/error thresholds). */
  severity: Severity | null;
  /** The levels' form as declared, e.g. `> 0` (null when not declared). */
  warn: string | null;
  /** The levels' form as declared, e.g. `> 1%` (null when not declared). */
  error: string | null;
  /**
   * `PASS`, `FAIL`, or `ERROR: <why>` when the check could not be computed (as the seed's try/except);
   * a check with warn/error thresholds says `WARN` when it reached only its warn threshold.
   */
  status: string;
  /**
   * `error` fails the quality gate: a notebook check of severity error that did not pass, or a check
   * whose failing rows reached its error threshold; `warn` likewise for warn; else `pass`. A check that
   * could not be computed ends at its most severe level.
   */
  outcome: CheckOutcome;
  /** Rows that did not meet the check (null for an ERROR). */
  failing_rows: number | null;
  /**
   * What was measured: failing rows and their share of the rows (null for an ERROR, and for a
   * dataset-level check), and for a dataset-level check its `value` (rows, change in %, lag in hours,
   * schema changes) with a `detail` in words.
   */
  observed: { failing_rows: number | null; fraction: number | null; value?: number | null; detail?: string };
  /** The first failing rows (up to the check's sample limit), whether the check passed or not. */
  samples: Sample[];
}

/** A dataset's quality report, stored as JSON beside the data it judges. */
export interface QualityReport {
  dataset: string;
  /** The key of the object checked. */
  dataset_key: string;
  date: string;
  runId: string;
  suite: string;
  /** The checks as run, so the report says exactly what was asked. */
  checks: QualityCheck[];
  timestamp: string;
  row_count: number;
  /** Mean of the rounded scores, rounded to 4 places; null when there are no checks. */
  overall_score: number | null;
  /** No check ended `error` (for the notebook's form: every `error`-severity check passed). */
  passed: boolean;
  /** Names of the checks that ended `warn`. */
  warnings: string[];
  /** Names of the blocking checks that ended `error`: the run fails. */
  blocked: string[];
  check_results: CheckResult[];
}

/** The report's fields that describe the run rather than the scores. */
export type ReportHeader = Pick<
  QualityReport,
  'dataset' | 'dataset_key' | 'date' | 'runId' | 'suite' | 'timestamp'
>;

/**
 * Scores every check as the seed's `run_checks`: a check passes when its unrounded score reaches the
 * threshold, the shown score is rounded to 4 places (numpy's rounding for the numpy scores; Python's
 * for uniqueness, whose `nunique() / len(df)` is a plain Python float), overall is numpy's mean of the
 * rounded scores.
 */
export function buildReport(
  header: ReportHeader,
  checks: readonly QualityCheck[],
  outcomes: readonly (Outcome | DatasetOutcome)[],
  rows: number,
): QualityReport {
  const results = checks.map((check, i) =>
    isDatasetCheck(check)
      ? datasetResult(check, outcomes[i] as DatasetOutcome)
      : checkResult(check, outcomes[i] as Outcome, rows),
  );
  const overall = numpyRound(numpyMean(results.map((result) => result.score)), 4);
  return {
    ...header,
    checks: [...checks],
    row_count: rows,
    overall_score: Number.isNaN(overall) ? null : overall,
    passed: results.every((result) => result.outcome !== 'error'),
    warnings: results.filter((result) => result.outcome === 'warn').map((result) => result.check_name),
    blocked: results
      .filter((result) => result.blocking && result.outcome === 'error')
      .map((result) => result.check_name),
    check_results: results,
  };
}

/**
 * A dataset check's line: it scores 1 unless it ended `error` (0); its levels are shown as declared
 * (a row count's bounds in words, as its `detail`).
 */
function datasetResult(check: DatasetCheck, outcome: DatasetOutcome): CheckResult {
  const text = (value: string | readonly string[] | undefined) =>
    value === undefined ? null : typeof value === 'string' ? value : value.join(', ');
  const common = {
    check_name: check.name,
    check_type: check.type,
    column: 'column' in check ? check.column : null,
    blocking: check.blocking === true,
    threshold: null,
    severity: check.kind === 'row_count' ? (check.severity ?? 'error') : null,
    warn: check.kind === 'row_count' ? null : text(check.warn),
    error: check.kind === 'row_count' ? null : text(check.error),
    failing_rows: null,
    samples: [],
  };
  if ('error' in outcome) {
    return {
      ...common,
      score: 0,
      status: `ERROR: ${outcome.error}`,
      outcome: 'error',
      observed: { failing_rows: null, fraction: null, value: null, detail: outcome.error },
    };
  }
  const status = { pass: 'PASS', warn: 'WARN', error: 'FAIL' }[outcome.outcome];
  return {
    ...common,
    score: outcome.outcome === 'error' ? 0 : 1,
    status,
    outcome: outcome.outcome,
    observed: { failing_rows: null, fraction: null, value: outcome.value, detail: outcome.detail },
  };
}

function checkResult(check: RowCheck, outcome: Outcome, rows: number): CheckResult {
  const levels = hasLevels(check);
  const common = {
    check_name: check.name,
    check_type: check.type,
    column: check.column,
    blocking: check.blocking === true,
    threshold: check.threshold ?? null,
    severity: check.severity ?? null,
    warn: check.warn ?? null,
    error: check.error ?? null,
  };
  if ('error' in outcome) {
    const worst = levels ? (check.error !== undefined ? 'error' : 'warn') : (check.severity ?? 'error');
    return {
      ...common,
      score: 0,
      status: `ERROR: ${outcome.error}`,
      outcome: worst,
      failing_rows: null,
      observed: { failing_rows: null, fraction: null },
      samples: [],
    };
  }
  const score = check.kind === 'uniqueness' ? pythonRound(outcome.score, 4) : numpyRound(outcome.score, 4);
  const measured = {
    score,
    failing_rows: outcome.failing,
    observed: { failing_rows: outcome.failing, fraction: outcome.failing / rows },
    samples: outcome.samples,
  };
  if (!levels) {
    const passed = outcome.score >= (check.threshold ?? 0);
    const ended: CheckOutcome = passed ? 'pass' : check.severity === 'warn' ? 'warn' : 'error';
    return { ...common, ...measured, status: passed ? 'PASS' : 'FAIL', outcome: ended };
  }
  const reached = (text: string | undefined) =>
    text !== undefined && reaches(thresholdSchema.parse(text), outcome.failing, rows);
  const ended: CheckOutcome = reached(check.error) ? 'error' : reached(check.warn) ? 'warn' : 'pass';
  const status = { pass: 'PASS', warn: 'WARN', error: 'FAIL' }[ended];
  return { ...common, ...measured, status, outcome: ended };
}

/** Names of the checks that ended `error`: what made the report fail. */
export function failedChecks(report: QualityReport): string[] {
  return report.check_results
    .filter((result) => result.outcome === 'error')
    .map((result) => result.check_name);
}

/** What the run record keeps of a report: the gate, the checks' outcomes, and where the report is. */
export function qualitySummary(report: QualityReport, reportKey: string): NonNullable<RunRecord['quality']> {
  return {
    passed: report.passed,
    overallScore: report.overall_score,
    failedChecks: failedChecks(report),
    warnings: report.warnings,
    blocked: report.blocked,
    checks: report.check_results.map((result) => ({
      name: result.check_name,
      outcome: result.outcome,
      score: result.score,
      failingRows: result.failing_rows,
    })),
    reportKey,
  };
}
