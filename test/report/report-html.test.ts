import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { appendHistory } from '../../src/lib/quality/history.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { escapeHtml, html, raw } from '../../src/lib/report/html.ts';
import { renderRunReport } from '../../src/lib/report/report-html.ts';
import { writeRunReportHtml } from '../../src/lib/report/report-html-write.ts';
import { sparkline, trendChart } from '../../src/lib/report/svg-trend.ts';
import {
  DATASET,
  historyOf,
  PIPELINE,
  SCRIPT_VALUE,
  sampleRecord,
  sampleReport,
} from '../helpers/run-reports.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

const DATE = '2024-01-20';
const RUN_ID = `${PIPELINE}-${DATE}`;

/** Each `<svg class="trend">…</svg>` of a page. */
const trendSvgs = (page: string) => page.match(/<svg class="trend"[\s\S]*?<\/svg>/g) ?? [];
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;
/** The row of the checks table naming `check`. */
const checkRow = (page: string, check: string) =>
  (page.match(/<tr class="check [^"]*">[\s\S]*?<\/tr>/g) ?? []).find((row) =>
    row.includes(`<td>${check}</td>`),
  ) ?? '';

describe('escapeHtml and the html tag', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes interpolations, keeps nested markup, joins arrays, renders null as nothing', () => {
    const cell = html`<td>${'<b>'}</td>`;
    expect(html`<tr>${cell}${[html`<td>${1}</td>`, '&']}${null}${undefined}</tr>`.text).toBe(
      '<tr><td>&lt;b&gt;</td><td>1</td>&amp;</tr>',
    );
    expect(html`${raw('<br>')}`.text).toBe('<br>');
  });
});

describe('svg trend charts', () => {
  it('draws one point per value, a gap for null, the current run marked, higher values higher', () => {
    const svg = trendChart(
      [
        { label: '2024-01-18', value: 0.9 },
        { label: '2024-01-19', value: null },
        { label: '2024-01-20', value: 1, current: true },
        { label: '2024-01-21', value: 0.95 },
      ],
      { title: 'score' },
    ).text;
    expect(count(svg, /<circle class="point/g)).toBe(3);
    expect(count(svg, /<circle class="point current"/g)).toBe(1);
    // The null breaks the line in two: two moves, one line segment.
    const d = /<path class="line" d="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(count(d, /M/g)).toBe(2);
    expect(count(d, /L/g)).toBe(1);
    const cy = (label: string) =>
      Number(new RegExp(`cy="([\\d.]+)"[^>]*data-label="${label}"`).exec(svg)?.[1]);
    expect(cy('2024-01-20')).toBeLessThan(cy('2024-01-21'));
    expect(cy('2024-01-21')).toBeLessThan(cy('2024-01-18'));
    expect(svg).toContain('>2024-01-18</text>');
    expect(svg).toContain('>2024-01-21</text>');
  });

  it('puts a single point in the middle and draws nothing without points', () => {
    const one = trendChart([{ label: 'd', value: 5 }], { title: 't', width: 200 }).text;
    expect(count(one, /<circle/g)).toBe(1);
    expect(one).toContain(`cx="${(56 + 188) / 2}"`);
    expect(trendChart([], { title: 't' }).text).toBe('');
  });

  it('escapes labels and titles', () => {
    const svg = trendChart([{ label: '<x>', value: 1 }], { title: '"t"' }).text;
    expect(svg).not.toContain('<x>');
    expect(svg).toContain('&lt;x&gt;');
    expect(svg).toContain('aria-label="&quot;t&quot;"');
  });

  it('draws a sparkline from two values on, with its last point marked', () => {
    expect(sparkline([1]).text).toBe('');
    expect(sparkline([null, null]).text).toBe('');
    const line = sparkline([0.5, null, 1]).text;
    expect(line).toContain('class="sparkline"');
    expect(count(line, /<circle/g)).toBe(1);
  });
});

describe('renderRunReport', () => {
  const report = sampleReport(RUN_ID, DATE);
  const record = sampleRecord(RUN_ID, DATE, report);
  const history = historyOf([
    sampleReport(`${PIPELINE}-2024-01-18`, '2024-01-18', 900, 70),
    sampleReport(`${PIPELINE}-2024-01-19`, '2024-01-19', 950, 65),
    report,
  ]);
  const page = renderRunReport({ record, report, history });

  it('is one self-contained document: inline style, no scripts, nothing fetched', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<style>');
    expect(page).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });

  it('shows the run: pipeline, date, status, suite, duration', () => {
    expect(page).toContain(`<title>${PIPELINE} ${DATE}: partial (lakeflow run report)</title>`);
    expect(page).toContain('<dt>suite</dt><dd>notebook</dd>');
    expect(page).toContain('<dt>duration</dt><dd>7.8 s</dd>');
    expect(page).toContain('<span class="badge badge-partial">partial</span>');
  });

  it('shows each step with its queue wait and work', () => {
    const steps = /<table class="steps">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(count(steps, /<tr>/g)).toBe(6); // header + 5 steps
    expect(steps).toContain(
      `<td>ingest_customers</td><td>ingest</td><td><code>${RUN_ID}-ingest-customers</code></td>`,
    );
    // ingestions wait 1 s and work 2 s; the transform 0.5 s and 3 s; quality 0.25 s and 1 s.
    expect(steps).toMatch(/<td>transform<\/td>[\s\S]*?<td>500 ms<\/td><td>3\.0 s<\/td>/);
    expect(steps).toMatch(/<td>quality_checks<\/td>[\s\S]*?<td>250 ms<\/td><td>1\.0 s<\/td>/);
  });

  it('shows each check with its colored outcome, threshold and observed value', () => {
    const unique = checkRow(page, 'Uniqueness: transaction_id');
    expect(unique).toContain('class="check outcome-pass"');
    expect(unique).toContain('score ≥ 1 (error)');
    expect(unique).toContain('0 failing rows (0.00 %)');
    const range = checkRow(page, 'Range: profit_margin [-50, 100]');
    expect(range).toContain('outcome-error');
    expect(range).toContain('<span class="badge badge-error">error</span>');
    expect(range).toContain('score ≥ 0.95 (error)');
    expect(range).toContain('59 failing rows (5.99 %)');
    const region = checkRow(page, 'Completeness: region');
    expect(region).toContain('outcome-warn');
    expect(region).toContain('failing rows: warn &gt; 0, error &gt; 5%');
    expect(checkRow(page, 'Row count change')).toContain('4.5: rows changed by 4.5% from the last run');
    expect(checkRow(page, 'Valid segments')).toContain('ERROR: column segment not found');
    // Each check's score over the three runs.
    expect(count(range, /class="sparkline"/g)).toBe(1);
  });

  it('marks a blocking check that failed, and a dataset check on no column', () => {
    const results = report.check_results.map((result, i) =>
      i === 1 ? { ...result, blocking: true } : i === 3 ? { ...result, column: null } : result,
    );
    const marked = renderRunReport({
      record,
      report: { ...report, check_results: results } as QualityReport,
      history,
    });
    expect(checkRow(marked, 'Range: profit_margin [-50, 100]')).toContain('<strong>blocking</strong>');
    expect(checkRow(marked, 'Uniqueness: transaction_id')).not.toContain('blocking');
    expect(marked).toContain('1 failed (<strong>1 blocking: the run failed</strong>)');
    expect(checkRow(marked, 'Row count change')).toContain('<td>consistency</td><td>—</td>');
  });

  it("shows each check's samples: row number and values", () => {
    const samples = page.match(/<table class="samples">[\s\S]*?<\/table>/g) ?? [];
    expect(samples).toHaveLength(2);
    expect(samples[0]).toContain('<th>row</th><th>profit_margin</th>');
    expect(samples[0]).toContain('<td>8</td><td><code>-127.06</code></td>');
    expect(samples[0]).toContain('<td>21</td><td><code>-111.34</code></td>');
    expect(samples[1]).toContain('<td>42</td>');
  });

  it('escapes a value holding <script>', () => {
    expect(page).not.toContain(SCRIPT_VALUE);
    expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    const hostile = renderRunReport({
      record: { ...record, errors: ['<img src=x onerror=alert(1)>'], runId: '"><script>x</script>' },
      report: { ...report, suite: '<b>suite</b>' },
      history: [],
    });
    expect(hostile).not.toMatch(/<script|<img|<b>/);
  });

  it('draws the trend with one point per history entry, the run marked', () => {
    const svgs = trendSvgs(page);
    expect(svgs).toHaveLength(2); // overall score, rows
    for (const svg of svgs) {
      expect(count(svg, /<circle class="point/g)).toBe(history.length);
      expect(count(svg, /<circle class="point current"/g)).toBe(1);
    }
    expect(svgs[1]).toContain('data-label="2024-01-18" data-value="900"');
  });

  it('shows quarantined rows and lineage with rows, bytes and a short sha256', () => {
    expect(page).toMatch(/<table class="quarantined">[\s\S]*<td>transactions<\/td><td>4<\/td>/);
    const outputs = /<table class="lineage-outputs">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(outputs).toContain(
      `<td><code>${lakeKeys.dataset(PIPELINE, DATASET, DATE)}</code></td><td>985</td><td>120.6 KiB</td>`,
    );
    expect(outputs).toContain(`<code title="${'e'.repeat(64)}">${'e'.repeat(12)}</code>`);
    expect(page).toMatch(/<table class="lineage-inputs">(?:[\s\S]*?<tr>){4}/);
  });

  it('says so for an empty history: no chart', () => {
    const empty = renderRunReport({ record, report, history: [] });
    expect(trendSvgs(empty)).toHaveLength(0);
    expect(empty).toContain('No quality history for this dataset yet.');
    expect(checkRow(empty, 'Range: profit_margin [-50, 100]')).not.toContain('sparkline');
  });

  it('renders a run without a suite: the run, no checks and no trend', () => {
    const bare = { ...sampleRecord(RUN_ID, DATE, null) } as typeof record & { quarantined?: unknown };
    delete bare.quarantined;
    const page = renderRunReport({ record: bare, report: null, history: [] });
    expect(page).toContain('This pipeline has no quality suite: nothing was checked.');
    expect(page).toContain('<dt>suite</dt><dd>none</dd>');
    expect(page).not.toContain('class="checks"');
    expect(trendSvgs(page)).toHaveLength(0);
    expect(page).toContain('Not recorded (a run from before quarantines existed).');
    expect(page).toContain('<table class="steps">');
  });

  it('links steps to their jobs when served with links', () => {
    const linked = renderRunReport({
      record,
      report,
      history,
      links: { runs: '/runs', job: (queue, id) => `/board/queue/${queue}/${id}` },
    });
    expect(linked).toContain(`<a href="/board/queue/transform/${RUN_ID}-transform">`);
    expect(linked).toContain('<a href="/runs">← all runs</a>');
  });
});

describe('writeRunReportHtml', () => {
  let temp: TempLake;
  beforeEach(async () => {
    temp = await createTempLake();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it("writes the page next to the JSON report, its trend the earlier dates' history and the run itself", async () => {
    const { lake } = temp;
    const dates = ['2024-01-17', '2024-01-18', '2024-01-19'];
    for (const date of dates)
      await appendHistory(lake, historyOf([sampleReport(`${PIPELINE}-${date}`, date)])[0]!);
    // A later date and a later re-run of the same date: neither is this run's trend.
    await appendHistory(lake, historyOf([sampleReport(`${PIPELINE}-2024-01-21`, '2024-01-21')])[0]!);
    const rerun = {
      ...sampleReport(`${PIPELINE}-${DATE}-rzzz`, DATE),
      timestamp: '2024-01-20T09:00:00.000Z',
    };
    await appendHistory(lake, historyOf([rerun])[0]!);
    const report = sampleReport(RUN_ID, DATE, 1234);
    const written = await writeRunReportHtml(lake, sampleRecord(RUN_ID, DATE, report), report);

    const key = lakeKeys.qualityReportHtml(PIPELINE, DATASET, DATE, RUN_ID);
    expect(written?.key).toBe(key);
    expect(key).toBe(lakeKeys.qualityReport(PIPELINE, DATASET, DATE, RUN_ID).replace(/\.json$/, '.html'));
    const page = (await lake.storage.get(key)).toString('utf8');
    const rows = trendSvgs(page)[1] ?? '';
    expect(count(rows, /<circle class="point/g)).toBe(4);
    expect(rows).toContain('data-label="2024-01-20" data-value="1234"');
    expect(rows).not.toContain('2024-01-21');
  });

  it('writes nothing for a run without a report', async () => {
    const record = sampleRecord(RUN_ID, DATE, null);
    expect(await writeRunReportHtml(temp.lake, record, null)).toBeUndefined();
    expect(await temp.lake.storage.list(`${PIPELINE}/quality/`)).toEqual([]);
  });
});
