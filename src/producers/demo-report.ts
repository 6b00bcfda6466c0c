import type { DataLake } from '../lib/lake/data-lake.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';
import type { RunOutcome } from './follow-runs.ts';
import { formatRunSummary, formatTable } from './summary-table.ts';

interface IngestStepResult {
  source: string;
  landing: { key: string; rows: number };
  warnings: string[];
}
interface TransformStepResult {
  outputs: Record<'cleaned' | 'enriched' | 'summary', { key: string; rows: number }>;
  metrics: Record<string, Record<string, number | string | null>>;
}
interface QualityReportDoc {
  overall_score: number;
  passed: boolean;
  check_results: { check_name: string; check_type: string; score: number; status: string }[];
}

const rule = (title: string) => `\n${'='.repeat(70)}\n${title}\n${'='.repeat(70)}`;
const stepResult = <T>(record: RunRecord, name: string) =>
  record.steps.find((step) => step.name === name)?.result as T | undefined;

/** The notebook's printed story, from run records and the lake: ingestion, transformation, quality, runs, lake. */
export async function printDemoReport(lake: DataLake, outcomes: readonly RunOutcome[]): Promise<void> {
  const records = outcomes.flatMap((outcome) => (outcome.record ? [outcome.record] : []));

  console.log(rule('DATA INGESTION'));
  const ingestRows = records.flatMap((record) =>
    record.steps
      .filter((step) => step.queue === 'ingest')
      .map((step) => step.result as IngestStepResult | undefined)
      .flatMap((result) =>
        result
          ? [[record.date, result.source, String(result.landing.rows), result.warnings.join('; ') || '-']]
          : [],
      ),
  );
  console.log(formatTable([['date', 'source', 'rows', 'warnings'], ...ingestRows]));

  console.log(rule('DATA TRANSFORMATION'));
  for (const record of records) {
    const result = stepResult<TransformStepResult>(record, 'transform');
    if (!result) continue;
    const { clean = {}, enrich = {}, aggregate = {} } = result.metrics;
    console.log(`\n${record.date}`);
    console.log(
      `  CLEAN:     ${clean.initial_rows} rows in, ${clean.final_rows} out (${clean.after_dedup} after dedup, ` +
        `${clean.invalid_amounts_removed} negative amounts removed, ${clean.null_regions_filled} regions filled)`,
    );
    console.log(
      `  ENRICH:    ${result.outputs.enriched.rows} rows, customers matched ${enrich.customers_matched}, ` +
        `products matched ${enrich.products_matched}`,
    );
    console.log(
      `  AGGREGATE: ${result.outputs.summary.rows} summary rows, revenue ${money(aggregate.total_revenue)}, ` +
        `profit ${money(aggregate.total_profit)}`,
    );
    console.log(`  Output:    ${result.outputs.enriched.key}`);
  }

  console.log(rule('DATA QUALITY REPORT'));
  for (const record of records) {
    if (!record.quality) continue;
    const report = await lake.readJson<QualityReportDoc>(record.quality.reportKey);
    console.log(
      `\n${record.date} (suite ${record.suite}): overall score ${(report.overall_score * 100).toFixed(2)}%, ` +
        `${report.passed ? 'PASSED' : 'FAILED'}`,
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

  console.log(rule('FINAL DATA LAKE CONTENTS'));
  const keys = await lake.storage.list('');
  const zones = new Map<string, string[]>();
  for (const key of keys) {
    const zone = key.split('/')[0] as string;
    zones.set(zone, [...(zones.get(zone) ?? []), key]);
  }
  for (const [zone, zoneKeys] of zones) console.log(`${zone.toUpperCase()}/ (${zoneKeys.length} objects)`);
  console.log(`\nLake: ${lake.storage.url}`);
}

function money(value: number | string | null | undefined): string {
  return typeof value === 'number'
    ? value.toLocaleString('en-US', { maximumFractionDigits: 2 })
    : String(value);
}
