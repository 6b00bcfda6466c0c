import type { Sample } from '../quality/batch-values.ts';
import type { HistoryEntry } from '../quality/history.ts';
import type { CheckResult, QualityReport } from '../quality/report.ts';
import { badge, html, type SafeHtml, table } from './html.ts';
import { formatCount, formatPercent, formatScore, NONE } from './report-format.ts';
import { sparkline, trendChart } from './svg-trend.ts';

/** The threshold as declared: the notebook's minimum score and severity, or the warn/error levels. */
export function thresholdText(result: CheckResult): string {
  if (result.warn !== null || result.error !== null) {
    const levels = [
      result.warn !== null ? `warn ${result.warn}` : '',
      result.error !== null ? `error ${result.error}` : '',
    ];
    return `failing rows: ${levels.filter(Boolean).join(', ')}`;
  }
  if (result.threshold !== null) return `score ≥ ${result.threshold} (${result.severity ?? 'error'})`;
  // A dataset check with bounds (a row count) says them in its observed detail; only its level is here.
  if (result.severity !== null) return `outside its bounds (${result.severity})`;
  return NONE;
}

/** What was measured: a dataset-level check's value and detail, else failing rows and their share. */
export function observedText(result: CheckResult): string {
  if (result.status.startsWith('ERROR')) return result.status;
  const observed = result.observed ?? { failing_rows: result.failing_rows, fraction: null };
  if (observed.value !== undefined || observed.detail !== undefined) {
    const value = observed.value === undefined || observed.value === null ? '' : String(observed.value);
    return [value, observed.detail ?? ''].filter(Boolean).join(': ') || NONE;
  }
  if (observed.failing_rows === null || observed.failing_rows === undefined) return NONE;
  const share = observed.fraction === null ? '' : ` (${formatPercent(observed.fraction)})`;
  return `${formatCount(observed.failing_rows)} failing rows${share}`;
}

/** Whether a check fails the whole run on `error` (reports from before `blocking` have no field). */
function isBlocking(result: CheckResult): boolean {
  return 'blocking' in result && result.blocking === true;
}

/** The checks' table: outcome colored, threshold, observed value, score and its recent trend. */
function checksTable(results: readonly CheckResult[], history: readonly HistoryEntry[]): SafeHtml {
  const rows = results.map((result) => {
    const scores = history.map(
      (entry) => (entry.checks ?? []).find((check) => check.name === result.check_name)?.score ?? null,
    );
    return html`<tr class="check outcome-${result.outcome}"><td>${result.check_name}</td><td>${result.check_type}</td><td>${result.column ? html`<code>${result.column}</code>` : NONE}</td><td>${badge(result.outcome)}${isBlocking(result) ? html` <strong>blocking</strong>` : ''} <span class="muted">${result.status}</span></td><td>${thresholdText(result)}</td><td>${observedText(result)}</td><td class="num">${formatScore(result.score)}</td><td>${sparkline(scores, { max: 1, label: `${result.check_name}: score over recent runs` })}</td></tr>`;
  });
  const headers = ['check', 'type', 'column', 'outcome', 'threshold', 'observed', 'score', 'trend'];
  return html`<table class="checks"><thead><tr>${headers.map((header) => html`<th>${header}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A check's samples: row number and the values of the columns it read, one column per name. */
function samplesTable(samples: readonly Sample[]): SafeHtml {
  const columns = [...new Set(samples.flatMap((sample) => Object.keys(sample.values ?? {})))];
  return table(
    ['row', ...columns],
    samples.map((sample) => [
      formatCount(sample.row),
      ...columns.map((column) => html`<code>${sample.values?.[column] ?? ''}</code>`),
    ]),
    { className: 'samples' },
  );
}

/** Every check's samples under its name; checks without any are left out. */
function samplesSection(results: readonly CheckResult[]): SafeHtml {
  const withSamples = results.filter((result) => (result.samples ?? []).length > 0);
  if (withSamples.length === 0) return html`<p class="muted">No failing rows sampled.</p>`;
  return html`${withSamples.map(
    (result) =>
      html`<section class="check-samples"><h3>${result.check_name} ${badge(result.outcome)}</h3>${samplesTable(result.samples)}</section>`,
  )}`;
}

/** The quality section: summary, checks, samples. */
export function qualitySection(report: QualityReport, history: readonly HistoryEntry[]): SafeHtml {
  const results = report.check_results ?? [];
  const failed = results.filter((result) => result.outcome === 'error').length;
  const warned = results.filter((result) => result.outcome === 'warn').length;
  const blocked = results.filter((result) => isBlocking(result) && result.outcome === 'error').length;
  return html`<section id="quality"><h2>Quality: suite <code>${report.suite}</code> on <code>${report.dataset}</code></h2>
<p>${badge(report.passed ? 'pass' : 'error')} overall score <strong>${formatScore(report.overall_score)}</strong> over ${formatCount(report.row_count)} rows; ${results.length} checks, ${failed} failed${blocked > 0 ? html` (<strong>${blocked} blocking: the run failed</strong>)` : ''}, ${warned} warnings. <span class="muted">Checked object <code>${report.dataset_key}</code>.</span></p>
${results.length > 0 ? checksTable(results, history) : html`<p class="muted">The suite has no checks.</p>`}
<h2>Samples</h2>${samplesSection(results)}</section>`;
}

/**
 * The trend over recent runs (oldest first): overall score and rows per date, the page's run marked.
 * An empty history says so instead of drawing.
 */
export function trendSection(history: readonly HistoryEntry[], runId: string): SafeHtml {
  if (history.length === 0)
    return html`<section id="trend"><h2>Trend</h2><p class="muted">No quality history for this dataset yet.</p></section>`;
  const point = (entry: HistoryEntry, value: number | null) => ({
    label: entry.date,
    value,
    current: entry.runId === runId,
  });
  const scores = trendChart(
    history.map((entry) => point(entry, entry.overallScore)),
    // The top is a perfect score; the bottom follows the data, so a drop of a point shows.
    { title: 'Overall score per run', max: 1, format: formatScore },
  );
  const rows = trendChart(
    history.map((entry) => point(entry, entry.rowCount)),
    { title: 'Rows checked per run', format: formatCount },
  );
  return html`<section id="trend"><h2>Trend over the last ${history.length} runs</h2><div class="charts">
<figure>${scores}<figcaption>Overall score</figcaption></figure><figure>${rows}<figcaption>Rows checked</figcaption></figure></div></section>`;
}
