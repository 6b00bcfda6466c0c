import type { ObjectRef } from '../lake/data-lake.ts';
import { type RunRecord, stepTimes } from '../pipeline/run-record.ts';
import type { HistoryEntry } from '../quality/history.ts';
import type { QualityReport } from '../quality/report.ts';
import { badge, definitions, html, page, type SafeHtml, table } from './html.ts';
import { qualitySection, trendSection } from './report-checks.ts';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatScore,
  formatTime,
  NONE,
  shortSha,
} from './report-format.ts';

/**
 * The run a report page shows: its record, or a run still in progress as the board sees it (status
 * `running`, no end yet). Records are JSON written by any release, so older fields may be missing.
 */
export type ReportRun = Omit<RunRecord, 'status' | 'endedAt'> & { status: string; endedAt: string | null };

/** What {@link renderRunReport} draws. */
export interface RunReportInput {
  record: ReportRun;
  /** The run's own quality report; `null` when the pipeline has no suite or its quality step did not run. */
  report: QualityReport | null;
  /** The dataset's recent history, oldest first (see `readHistory`), the run's own date included. */
  history: readonly HistoryEntry[];
  /** Links to the pages that serve reports, when the page is served by the board (none in the lake). */
  links?: ReportLinks;
  /** For a run in progress: a step ready but not started has waited until then (epoch ms). */
  now?: number;
}

/** Where a page served by the board links to. */
export interface ReportLinks {
  /** The runs page, e.g. `/runs`. */
  runs: string;
  /** A job's page in Bull Board. */
  job: (queue: string, jobId: string) => string;
}

/**
 * A run's report as one self-contained HTML page (inline style and SVG, no scripts, nothing fetched):
 * the run, its steps with queue wait and work, quality checks with outcome, threshold, observed value
 * and samples, the trend over recent runs, quarantined rows and lineage. Every value is escaped.
 */
export function renderRunReport(input: RunReportInput): string {
  const { record, report, history, links } = input;
  const title = `${record.pipeline} ${record.date}: ${record.status}`;
  const nav = links ? html`<nav><a href="${links.runs}">← all runs</a></nav>` : '';
  const quality = report
    ? html`${qualitySection(report, history)}${trendSection(history, record.runId)}`
    : html`<section id="quality"><h2>Quality</h2><p class="muted">${
        record.suite === null
          ? 'This pipeline has no quality suite: nothing was checked.'
          : record.status === 'running'
            ? 'The run is in progress: its checks have not run yet.'
            : 'No quality report: the quality step did not run, or its report is gone.'
      }</p></section>`;
  return page(
    `${title} (lakeflow run report)`,
    html`${nav}<header><h1>${record.pipeline} <span class="muted">${record.date}</span> ${badge(record.status)}</h1>${runFacts(record, report)}${errorsOf(record)}</header>
${quality}
${stepsSection(record, links, input.now)}
${quarantineSection(record)}
${lineageSection(record)}
<footer class="muted"><p>Run <code>${record.runId}</code>${report ? html`, report made ${formatTime(report.timestamp)}` : ''}.</p></footer>`,
  );
}

function runFacts(record: ReportRun, report: QualityReport | null): SafeHtml {
  return definitions([
    ['run', html`<code>${record.runId}</code>`],
    ['pipeline', record.pipeline],
    ['date', record.date],
    ['status', badge(record.status)],
    ['suite', record.suite ?? 'none'],
    ['duration', formatMs(record.durationMs)],
    ['enqueued', formatTime(record.enqueuedAt)],
    ['ended', formatTime(record.endedAt)],
    [
      'score',
      report
        ? formatScore(report.overall_score)
        : record.quality
          ? formatScore(record.quality.overallScore)
          : null,
    ],
    ['rows checked', report ? formatCount(report.row_count) : null],
  ]);
}

function errorsOf(record: ReportRun): SafeHtml {
  const errors = record.errors ?? [];
  if (errors.length === 0) return html``;
  return html`<div class="error-box"><strong>Errors</strong><ul>${errors.map((error) => html`<li><code>${error}</code></li>`)}</ul></div>`;
}

function stepsSection(record: ReportRun, links: ReportLinks | undefined, now: number | undefined): SafeHtml {
  const steps = record.steps ?? [];
  if (steps.length === 0)
    return html`<section id="steps"><h2>Steps</h2><p class="muted">No steps recorded.</p></section>`;
  const times = stepTimes(
    { enqueuedAt: record.enqueuedAt, steps },
    record.status === 'running' ? now : undefined,
  );
  const rows = steps.map((step, i) => {
    const job = links
      ? html`<a href="${links.job(step.queue, step.jobId)}"><code>${step.jobId}</code></a>`
      : html`<code>${step.jobId}</code>`;
    return [
      step.name,
      step.queue,
      job,
      badge(step.status),
      String(step.attempts ?? NONE),
      formatTime(step.startedAt),
      formatMs(times[i]?.waitMs),
      formatMs(times[i]?.workMs ?? step.durationMs),
      step.error ? html`<code>${step.error}</code>` : '',
    ];
  });
  return html`<section id="steps"><h2>Steps</h2>${table(
    ['step', 'queue', 'job', 'status', 'attempts', 'started', 'queue wait', 'work', 'error'],
    rows,
    { className: 'steps' },
  )}</section>`;
}

function quarantineSection(record: ReportRun): SafeHtml {
  const quarantined = record.quarantined;
  const body =
    quarantined === undefined
      ? html`<p class="muted">Not recorded (a run from before quarantines existed).</p>`
      : Object.keys(quarantined).length === 0
        ? html`<p>No rows quarantined.</p>`
        : table(
            ['source or dataset', 'rows quarantined'],
            Object.entries(quarantined).map(([name, rows]) => [name, formatCount(rows)]),
            { className: 'quarantined' },
          );
  return html`<section id="quarantine"><h2>Quarantined rows</h2>${body}</section>`;
}

function refsTable(refs: readonly ObjectRef[], className: string): SafeHtml {
  if (refs.length === 0) return html`<p class="muted">None.</p>`;
  return table(
    ['key', 'rows', 'bytes', 'sha256'],
    refs.map((ref) => [
      html`<code>${ref.key}</code>`,
      formatCount(ref.rows),
      formatBytes(ref.bytes),
      html`<code title="${ref.sha256}">${shortSha(ref.sha256)}</code>`,
    ]),
    { className },
  );
}

function lineageSection(record: ReportRun): SafeHtml {
  const lineage = record.lineage ?? { inputs: [], outputs: [] };
  return html`<section id="lineage"><h2>Lineage</h2><h3>Inputs (what the transform read)</h3>${refsTable(lineage.inputs ?? [], 'lineage-inputs')}<h3>Outputs (landing, quarantine and datasets written)</h3>${refsTable(lineage.outputs ?? [], 'lineage-outputs')}</section>`;
}
