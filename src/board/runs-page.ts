import { badge, html, page, type SafeHtml, table } from '../lib/report/html.ts';
import { formatMs, formatScore, formatTime } from '../lib/report/report-format.ts';
import type { ReportLinks } from '../lib/report/report-html.ts';
import type { ListedStatus, RunView } from './run-listing.ts';

/** The statuses the runs page filters by, in the order its menu lists them. */
export const PAGE_STATUSES: readonly ListedStatus[] = ['running', 'success', 'partial', 'failed'];

/** The filters of the runs page, as its form sends them. */
export interface RunsPageFilter {
  pipeline?: string;
  status?: ListedStatus;
  from?: string;
  to?: string;
}

/** What {@link renderRunsPage} draws. */
export interface RunsPageInput {
  /** The page's runs, in the listing's order (runs in progress first, then newest ended first). */
  runs: readonly RunView[];
  /** Runs matching the filter, before paging. */
  total: number;
  offset: number;
  limit: number;
  filter: RunsPageFilter;
  /** The loaded pipelines, for the filter's menu. */
  pipelines: readonly string[];
  links: ReportLinks & { board: string };
  /** Why the filter was refused, shown above the form (the list is then empty). */
  problem?: string;
}

/** `?pipeline=…&status=…` for a filter and offset; empty fields are left out. */
export function queryOf(filter: RunsPageFilter, offset = 0): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value) params.set(name, value);
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return query ? `?${query}` : '';
}

function filterForm(input: RunsPageInput): SafeHtml {
  const { filter, pipelines, links } = input;
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="${links.runs}">
<label>pipeline <select name="pipeline">${option('', 'all', !filter.pipeline)}${pipelines.map((name) => option(name, name, filter.pipeline === name))}</select></label>
<label>status <select name="status">${option('', 'any', !filter.status)}${PAGE_STATUSES.map((status) => option(status, status, filter.status === status))}</select></label>
<label>from <input type="date" name="from" value="${filter.from ?? ''}"></label>
<label>to <input type="date" name="to" value="${filter.to ?? ''}"></label>
<button type="submit">Filter</button> <a href="${links.runs}">clear</a></form>`;
}

/** A run's jobs in Bull Board: one link per step, named by the step. */
function jobLinks(run: RunView, links: ReportLinks): SafeHtml {
  const steps = run.steps ?? [];
  if (steps.length === 0) return html`<span class="muted">none</span>`;
  return html`${steps.map(
    (step, i) =>
      html`${i > 0 ? ' ' : ''}<a class="job" href="${links.job(step.queue, step.jobId)}" title="${step.jobId}: ${step.status}">${step.name}</a>`,
  )}`;
}

function statusCell(run: RunView): SafeHtml {
  // Only a replaced run is marked: every date's single run is its latest, which would say nothing.
  const mark = run.supersededBy ? html` <span class="muted">superseded by ${run.supersededBy}</span>` : '';
  return html`${badge(run.status)}${mark}`;
}

/**
 * The runs page: a GET form filtering by pipeline, status and dates, and a table of runs, each linking
 * to its report page and to its jobs in Bull Board. Every value is escaped.
 */
export function renderRunsPage(input: RunsPageInput): string {
  const { runs, total, offset, limit, filter, links } = input;
  const rows = runs.map((run) => [
    html`<a class="run" href="${`${links.runs}/${encodeURIComponent(run.runId)}`}"><code>${run.runId}</code></a>`,
    run.pipeline,
    run.date,
    statusCell(run),
    run.suite ?? 'none',
    run.quality ? formatScore(run.quality.overallScore) : '',
    run.quality ? String((run.quality.failedChecks ?? []).length) : '',
    formatMs(run.durationMs),
    formatTime(run.endedAt),
    jobLinks(run, links),
  ]);
  const shown = runs.length > 0 ? `${offset + 1}–${offset + runs.length} of ${total}` : `0 of ${total}`;
  const previous =
    offset > 0
      ? html`<a href="${`${links.runs}${queryOf(filter, Math.max(0, offset - limit))}`}">← newer</a> `
      : '';
  const next =
    offset + runs.length < total
      ? html`<a href="${`${links.runs}${queryOf(filter, offset + limit)}`}">older →</a>`
      : '';
  return page(
    'Runs (lakeflow)',
    html`<nav><a href="${links.board}">Bull Board</a><a href="/api/runs">Runs (JSON)</a></nav><h1>Runs</h1>
${input.problem ? html`<p class="error-box">${input.problem}</p>` : ''}${filterForm(input)}
<p class="muted">Runs ${shown}. ${previous}${next}</p>
${
  runs.length > 0
    ? table(
        ['run', 'pipeline', 'date', 'status', 'suite', 'score', 'failed checks', 'duration', 'ended', 'jobs'],
        rows,
        { className: 'runs' },
      )
    : html`<p>No runs match.</p>`
}`,
  );
}
