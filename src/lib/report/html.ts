/**
 * Small HTML building blocks for the pages the product renders (run reports, the board's runs page):
 * escaping, an escaping template tag, and the page layout. Values from the lake are data written by
 * any release (and may hold anything a source file held), so every interpolation is escaped unless it
 * is markup this module built.
 */

/** Markup built by {@link html} (or declared trusted with {@link raw}): inserted without escaping. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What {@link html} accepts: markup, text to escape, numbers; `null`/`undefined` render as nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values (both quote kinds), so a value
 * such as `<script>` or `" onmouseover="` shows as text.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Markup to insert as is: only for constant strings of this code, never for data. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Renders one interpolated value: markup as is, arrays joined, everything else escaped. */
function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  return escapeHtml(value);
}

/**
 * A template tag that escapes every interpolation: `` html`<td>${name}</td>` `` is safe whatever
 * `name` holds. Nested `html` results and arrays of them are inserted as markup.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** A table with a header row; cells are escaped unless they are markup. */
export function table(
  headers: readonly HtmlValue[],
  rows: readonly (readonly HtmlValue[])[],
  options: { className?: string; caption?: string } = {},
): SafeHtml {
  return html`<table${options.className ? html` class="${options.className}"` : ''}>${
    options.caption ? html`<caption>${options.caption}</caption>` : ''
  }<thead><tr>${headers.map((header) => html`<th>${header}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** A badge for a status or outcome word; its class (`badge-<word>`) gives it its color. */
export function badge(word: string): SafeHtml {
  const key = word.toLowerCase().replace(/[^a-z]/g, '');
  return html`<span class="badge badge-${key}">${word}</span>`;
}

/** Term/description pairs; a `null`/`undefined` description leaves the pair out. */
export function definitions(pairs: readonly (readonly [string, HtmlValue])[]): SafeHtml {
  return html`<dl class="facts">${pairs
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}</dl>`;
}

// One stylesheet for every page: no fonts, images or scripts to fetch, so a page saved from the lake
// shows the same anywhere.
const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa;
  --pass: #1a7f37; --warn: #9a6700; --error: #cf222e; --info: #0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
a { color: var(--info); } nav { margin-bottom: 8px; } nav a { margin-right: 12px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 8px 0; }
.facts div { min-width: 140px; } .facts dt { color: var(--muted); font-size: 12px; } .facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: #fff; background: var(--muted); }
.badge-pass, .badge-success { background: var(--pass); }
.badge-warn, .badge-partial { background: var(--warn); }
.badge-error, .badge-failed { background: var(--error); }
.badge-running { background: var(--info); }
tr.outcome-error td:first-child { border-left: 3px solid var(--error); }
tr.outcome-warn td:first-child { border-left: 3px solid var(--warn); }
tr.outcome-pass td:first-child { border-left: 3px solid var(--pass); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { font-size: 12px; color: var(--muted); }
svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
svg .axis { stroke: var(--line); } svg .line { fill: none; stroke: var(--info); stroke-width: 1.5; }
svg .point { fill: var(--info); } svg .point.current { fill: var(--error); }
svg.sparkline .line { stroke-width: 1; }
table.runs td { white-space: nowrap; } table.runs td:last-child { white-space: normal; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 8px 0 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.error-box { border: 1px solid var(--error); background: #ffebe9; padding: 8px 12px; border-radius: 6px; }
`;

/** A whole HTML document: UTF-8, the shared stylesheet inline, nothing fetched from elsewhere. */
export function page(title: string, body: SafeHtml): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${raw(STYLE)}</style></head><body>${body}</body></html>`.text}\n`;
}
