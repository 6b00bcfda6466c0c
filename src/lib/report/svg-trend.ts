import { html, type SafeHtml } from './html.ts';

/** One point of a trend: its label on the x axis (a date) and its value (`null`: not measured). */
export interface TrendPoint {
  label: string;
  value: number | null;
  /** The run the page is about: drawn in another color. */
  current?: boolean;
}

/** How {@link trendChart} draws. */
export interface TrendChartOptions {
  /** Read by screen readers and shown as the chart's tooltip. */
  title: string;
  width?: number;
  height?: number;
  /** How values are written in labels and tooltips (default up to 4 places). */
  format?: (value: number) => string;
  /** Fixed ends of the y axis (e.g. 0 and 1 for scores); default the values' own range. */
  min?: number;
  max?: number;
}

const PAD = { left: 56, right: 12, top: 10, bottom: 22 };

/** The y axis' ends: the values' range (or the fixed ends), never empty, so a flat line shows. */
function domain(values: readonly number[], min?: number, max?: number): [number, number] {
  let lo = min ?? Math.min(...values);
  let hi = max ?? Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 1;
    [lo, hi] = [min ?? lo - pad, max ?? hi + pad];
    if (hi - lo < 1e-12) hi = lo + 1;
  }
  return [lo, hi];
}

const round = (n: number) => Math.round(n * 10) / 10;
const defaultFormat = (value: number) => String(Math.round(value * 1e4) / 1e4);

/** Positions of `count` points evenly across `[x0, x1]` (one point sits in the middle). */
function xs(count: number, x0: number, x1: number): number[] {
  if (count === 1) return [round((x0 + x1) / 2)];
  return Array.from({ length: count }, (_, i) => round(x0 + (i * (x1 - x0)) / (count - 1)));
}

/** An SVG path through the points with values; a `null` breaks the line (a gap, not a zero). */
function linePath(coords: readonly ({ x: number; y: number } | null)[]): string {
  let path = '';
  let drawing = false;
  for (const point of coords) {
    if (!point) {
      drawing = false;
      continue;
    }
    path += `${drawing ? 'L' : 'M'}${point.x} ${point.y} `;
    drawing = true;
  }
  return path.trim();
}

/**
 * A line chart of a series over recent runs, as inline SVG: one `circle.point` per point with a value
 * (its tooltip says label and value), the y axis' ends and the first and last labels written out.
 * Points are spaced evenly (runs, not calendar days). No points: an empty string's worth of markup.
 */
export function trendChart(points: readonly TrendPoint[], options: TrendChartOptions): SafeHtml {
  const width = options.width ?? 360;
  const height = options.height ?? 120;
  const format = options.format ?? defaultFormat;
  const values = points.flatMap((point) => (point.value === null ? [] : [point.value]));
  if (points.length === 0) return html``;
  const [lo, hi] = domain(values, options.min, options.max);
  const [x0, x1] = [PAD.left, width - PAD.right];
  const [y0, y1] = [height - PAD.bottom, PAD.top];
  const y = (value: number) => round(y0 - ((value - lo) / (hi - lo)) * (y0 - y1));
  const xAt = xs(points.length, x0, x1);
  const coords = points.map((point, i) =>
    point.value === null ? null : { x: xAt[i] as number, y: y(point.value) },
  );
  const first = points[0] as TrendPoint;
  const last = points.at(-1) as TrendPoint;
  return html`<svg class="trend" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${options.title}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${options.title}</title>
<line class="axis" x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/><line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>
<text x="${x0 - 4}" y="${y1 + 4}" text-anchor="end">${format(hi)}</text><text x="${x0 - 4}" y="${y0}" text-anchor="end">${format(lo)}</text>
<text x="${x0}" y="${height - 6}" text-anchor="start">${first.label}</text>${
    points.length > 1 ? html`<text x="${x1}" y="${height - 6}" text-anchor="end">${last.label}</text>` : ''
  }
<path class="line" d="${linePath(coords)}"/>${points.map((point, i) => {
    const at = coords[i];
    if (!at) return '';
    return html`<circle class="point${point.current ? ' current' : ''}" cx="${at.x}" cy="${at.y}" r="3" data-label="${point.label}" data-value="${point.value}"><title>${point.label}: ${format(point.value as number)}</title></circle>`;
  })}</svg>`;
}

/** How {@link sparkline} draws. */
export interface SparklineOptions {
  width?: number;
  height?: number;
  /** Fixed ends of the y axis; default the values' own range. */
  min?: number;
  max?: number;
  /** Read by screen readers and shown as its tooltip. */
  label?: string;
}

/**
 * A word-sized line (no axes) of values oldest first, its last point marked: for a table cell.
 * Nothing for fewer than two values, where a line says nothing.
 */
export function sparkline(values: readonly (number | null)[], options: SparklineOptions = {}): SafeHtml {
  const measured = values.flatMap((value) => (value === null ? [] : [value]));
  if (values.length < 2 || measured.length === 0) return html``;
  const width = options.width ?? 80;
  const height = options.height ?? 18;
  const [lo, hi] = domain(measured, options.min, options.max);
  const xAt = xs(values.length, 2, width - 2);
  const coords = values.map((value, i) =>
    value === null
      ? null
      : { x: xAt[i] as number, y: round(height - 2 - ((value - lo) / (hi - lo)) * (height - 4)) },
  );
  const end = coords.at(-1);
  return html`<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${options.label ?? 'trend'}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${options.label ?? 'trend'}</title><path class="line" d="${linePath(coords)}"/>${
    end ? html`<circle class="point current" cx="${end.x}" cy="${end.y}" r="2"/>` : ''
  }</svg>`;
}
