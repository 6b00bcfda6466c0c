import type { DataLake } from '../lib/lake/data-lake.ts';
import type { IngestResult, TransformResult } from '../lib/pipeline/jobs.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';
import { formatTable } from '../lib/text-table.ts';
import type { RunOutcome } from './follow-runs.ts';
import { formatRunSummary } from './summary-table.ts';

interface QualityReportDoc {
  overall_score: number | null;
  passed: boolean;
  check_results: { check_name: string; check_type: string; score: number; status: string }[];
}

const rule = (title: string) => `\n${'='.repeat(70)}\n${title}\n${'='.repeat(70)}`;
const stepResult = <T>(record: RunRecord, name: string) =>
  record.steps.find((step) => step.name === name && step.status === 'success')?.result as T | undefined;

/**
 * The notebook's printed story for any pipeline, from run records and the lake: ingestion, each
 * transform step's counters and the datasets written, quality, runs, and the pipeline's part of the lake.
 */
export async function printDemoReport(
  lake: DataLake,
  pipeline: string,
  outcomes: readonly RunOutcome[],
): Promise<void> {
  const records = outcomes.flatMap((outcome) => (outcome.record ? [outcome.record] : []));

  console.log(rule('DATA INGESTION'));
  const ingestRows = records.flatMap((record) =>
    record.steps
      .filter((step) => step.queue === 'ingest' && step.status === 'success')
      .map((step) => step.result as IngestResult)
      .map((result) => [
        record.date,
        result.source,
        String(result.landing.rows),
        result.warnings.join('; ') || '-',
      ]),
  );
  console.log(formatTable([['date', 'source', 'rows', 'warnings'], ...ingestRows]));

  console.log(rule('DATA TRANSFORMATION'));
  for (const record of records) {
    const result = stepResult<TransformResult>(record, 'transform');
    if (!result) continue;
    console.log(`\n${record.date}`);
    // A step that counts nothing (a derive) is left out.
    const counted = Object.entries(result.metrics).filter(([, counters]) => Object.keys(counters).length > 0);
    const width = Math.max(0, ...counted.map(([step]) => step.length));
    for (const [step, counters] of counted) {
      const shown = Object.entries(counters).map(([name, value]) => `${name} ${formatValue(value)}`);
      console.log(`  ${step.padEnd(width)}  ${shown.join(', ')}`);
    }
    for (const [dataset, ref] of Object.entries(result.outputs)) {
      console.log(`  => ${dataset}: ${ref.rows} rows at ${ref.key}`);
    }
  }

  console.log(rule('DATA QUALITY REPORT'));
  for (const record of records) {
    if (!record.quality) continue;
    const report = await lake.readJson<QualityReportDoc>(record.quality.reportKey);
    const score = report.overall_score === null ? '-' : `${(report.overall_score * 100).toFixed(2)}%`;
    console.log(
      `\n${record.date} (suite ${record.suite}): overall score ${score}, ${report.passed ? 'PASSED' : 'FAILED'}`,
    );
    const rows = report.check_results.map((check) => [
      check.check_name,
      check.check_type,
      `${(check.score * 100).toFixed(2)}%`,
      check.status === 'PASS' ? '[OK]' : `[X] ${check.status}`,
    ]);
    console.log(formatTable([['check', 'type', 'score', 'status'], ...rows]));
  }

  console.log(rule('PIPELINE RUNS'));
  console.log(formatRunSummary(outcomes));

  console.log(rule(`FINAL DATA LAKE CONTENTS (${pipeline}/)`));
  const zones = new Map<string, number>();
  for (const key of await lake.storage.list(`${pipeline}/`)) {
    const zone = key.split('/')[1] as string;
    zones.set(zone, (zones.get(zone) ?? 0) + 1);
  }
  for (const [zone, count] of zones) console.log(`${zone.toUpperCase()}/ (${count} objects)`);
  console.log(`\nLake: ${lake.storage.url}`);
}

function formatValue(value: number | string | null): string {
  return typeof value === 'number'
    ? value.toLocaleString('en-US', { maximumFractionDigits: 2 })
    : String(value);
}
