import { numpyMean, numpyRound, pythonRound } from '../pandas/numeric.ts';
import type { QualityCheck, QualityCheckType, Severity } from './checks.ts';
import type { Outcome } from './evaluators.ts';

/** One check's line in the report, with the seed's field names. */
export interface CheckResult {
  check_name: string;
  check_type: QualityCheckType;
  column: string;
  /** Rounded to 4 places; 0 for an ERROR. */
  score: number;
  threshold: number;
  severity: Severity;
  /** `PASS`, `FAIL`, or `ERROR: <why>` when the check could not be computed (as the seed's try/except). */
  status: string;
  /** Rows that did not meet the check (null for an ERROR). */
  failing_rows: number | null;
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
  /** Every `error`-severity check passed. */
  passed: boolean;
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
  outcomes: readonly Outcome[],
  rows: number,
): QualityReport {
  const results = checks.map((check, i): CheckResult => {
    const outcome = outcomes[i] as Outcome;
    const common = {
      check_name: check.name,
      check_type: check.type,
      column: check.column,
      threshold: check.threshold,
      severity: check.severity,
    };
    if ('error' in outcome)
      return { ...common, score: 0, status: `ERROR: ${outcome.error}`, failing_rows: null };
    const score = check.kind === 'uniqueness' ? pythonRound(outcome.score, 4) : numpyRound(outcome.score, 4);
    const status = outcome.score >= check.threshold ? 'PASS' : 'FAIL';
    return { ...common, score, status, failing_rows: outcome.failing };
  });
  const overall = numpyRound(numpyMean(results.map((result) => result.score)), 4);
  return {
    ...header,
    checks: [...checks],
    row_count: rows,
    overall_score: Number.isNaN(overall) ? null : overall,
    passed: results.every((result) => result.severity !== 'error' || result.status === 'PASS'),
    check_results: results,
  };
}

/** Names of the `error` checks that did not pass: what made the report fail. */
export function failedChecks(report: QualityReport): string[] {
  return report.check_results
    .filter((result) => result.severity === 'error' && result.status !== 'PASS')
    .map((result) => result.check_name);
}
