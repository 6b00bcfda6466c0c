import type { DataLake } from '../lake/data-lake.ts';
import { lakeKeys } from '../lake/keys.ts';
import type { WrittenObject } from '../lake/storage.ts';
import { type HistoryEntry, historyEntry, readHistory } from '../quality/history.ts';
import type { QualityReport } from '../quality/report.ts';
import { type ReportLinks, type ReportRun, renderRunReport } from './report-html.ts';

/** Runs a report's trend shows, the run's own included. */
export const TREND_RUNS = 30;

/**
 * The trend a run's page draws: the dataset's history of the dates before the run's (the latest run of
 * each, at most {@link TREND_RUNS} - 1), then the run itself from its own report. The run's point is
 * always its own, whether or not its history entry was written yet, and even when a later re-run of
 * the date is the history's entry for it. Empty without a report (no dataset to follow).
 */
export async function reportHistory(
  lake: DataLake,
  record: Pick<ReportRun, 'pipeline' | 'date'>,
  report: QualityReport | null,
): Promise<HistoryEntry[]> {
  if (!report) return [];
  const before = await readHistory(lake, record.pipeline, report.dataset, {
    before: record.date,
    limit: TREND_RUNS - 1,
  });
  // The columns are not drawn; the report does not carry them.
  return [...before, historyEntry(record.pipeline, report, {})];
}

/** Where a run's HTML report is: next to its JSON report (`…/<runId>.html`). */
export function runReportHtmlKey(
  record: Pick<ReportRun, 'pipeline' | 'date' | 'runId'>,
  report: QualityReport,
): string {
  return lakeKeys.qualityReportHtml(record.pipeline, report.dataset, record.date, record.runId);
}

/** Renders a run's page with its history read from the lake (see {@link reportHistory}). */
export async function renderRunReportFromLake(
  lake: DataLake,
  record: ReportRun,
  report: QualityReport | null,
  options: { links?: ReportLinks; now?: number } = {},
): Promise<string> {
  const history = await reportHistory(lake, record, report);
  return renderRunReport({ record, report, history, ...options });
}

/**
 * Writes a run's HTML report to the lake next to its JSON report
 * (`<pipeline>/quality/<dataset>/date=…/<runId>.html`), to call once the run record is written.
 * A run without a report (no suite) has no page in the lake: `undefined`, nothing written; the board
 * renders such runs when asked.
 * @throws StorageError when the history cannot be read or the page cannot be written
 */
export async function writeRunReportHtml(
  lake: DataLake,
  record: ReportRun,
  report: QualityReport | null,
): Promise<WrittenObject | undefined> {
  if (!report) return undefined;
  const html = await renderRunReportFromLake(lake, record, report);
  return lake.storage.put(runReportHtmlKey(record, report), html);
}
