import { STAGES, type Stage } from './backfill.ts';
import type { ConfigurationFigures } from './configuration.ts';
import { median, round, sum } from './stats.ts';

/** A configuration reduced to medians over its repeats (peak RSS: the highest seen). */
export interface ConfigurationSummary {
  rows: number;
  dates: number;
  workers: number;
  format: string;
  repeats: number;
  /** Median over repeats of the bytes of the datasets written. */
  datasetBytes: number;
  wallMs: number;
  rowsPerSecond: number;
  stages: Record<Stage, { spanMs: number; jobMs: number; rowsPerSecond: number }>;
  /** Per worker: the highest peak RSS over the repeats, MB. */
  peakRssMb: number[];
  /** Per worker: RSS right after start-up, MB. */
  startupRssMb: number[];
  peakSinceReset: boolean;
  /** Every repeat wrote the same bytes (sha256 of every output object). */
  outputsIdentical: boolean;
  wallsMs: number[];
  /** Median over repeats of the workers' CPU seconds, summed over workers. */
  workerCpuSeconds: number;
  /** Of those, median over repeats: the workers' main threads (JavaScript), summed over workers. */
  mainThreadCpuSeconds: number;
  /** Median over repeats of worker CPU ÷ wall: cores the workers kept busy (1 worker: above 1 with its GC threads). */
  workerCores: number;
  /** Median over repeats of the share of the machine used by anything else (the noise). */
  otherLoad: number;
}

/** Reduces a configuration's repeats to medians. */
export function summarize(figures: ConfigurationFigures): ConfigurationSummary {
  const { backfills } = figures;
  const stage = (name: Stage) => {
    const spanMs = median(backfills.map((b) => b.stages[name].spanMs));
    return {
      spanMs,
      jobMs: median(backfills.map((b) => b.stages[name].jobMs)),
      rowsPerSecond: (backfills[0]?.stages[name].rows ?? 0) / (spanMs / 1000),
    };
  };
  const wallMs = median(backfills.map((b) => b.wallMs));
  const first = JSON.stringify(backfills[0]?.outputs);
  return {
    rows: figures.rows,
    dates: figures.dates,
    workers: figures.workers,
    format: figures.format,
    repeats: backfills.length,
    datasetBytes: median(backfills.map((b) => b.datasetBytes)),
    wallMs,
    rowsPerSecond: figures.rows / (wallMs / 1000),
    stages: Object.fromEntries(STAGES.map((name) => [name, stage(name)])) as ConfigurationSummary['stages'],
    peakRssMb: figures.startup.map((_, w) => Math.max(...backfills.map((b) => b.memory[w]?.peak ?? 0))),
    startupRssMb: figures.startup.map((m) => m.rss),
    peakSinceReset: figures.peakSinceReset,
    outputsIdentical: backfills.every((b) => JSON.stringify(b.outputs) === first),
    wallsMs: backfills.map((b) => b.wallMs),
    workerCpuSeconds: median(backfills.map((b) => sum(b.cpu.workers))),
    mainThreadCpuSeconds: median(backfills.map((b) => b.cpu.mainThreads)),
    workerCores: median(backfills.map((b) => sum(b.cpu.workers) / (b.wallMs / 1000))),
    otherLoad: median(backfills.map((b) => b.cpu.otherShare)),
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const rate = (perSecond: number) =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M` : `${Math.round(perSecond / 1000)}k`;

/** The backfill table, one line per configuration. */
export function backfillTable(summaries: ConfigurationSummary[]): string {
  const header = [
    'rows',
    'dates',
    'workers',
    'format',
    'runs',
    'wall s',
    'rows/s',
    'ingest s (rows/s)',
    'transform s (rows/s)',
    'quality s (rows/s)',
    'worker CPU s (main threads)',
    'peak RSS MB/worker',
    'idle RSS MB',
    'datasets MB',
    'other load',
  ];
  const lines = summaries.map((s) => [
    String(s.rows),
    String(s.dates),
    String(s.workers),
    s.format,
    String(s.repeats),
    seconds(s.wallMs),
    rate(s.rowsPerSecond),
    ...STAGES.map((name) => `${seconds(s.stages[name].spanMs)} (${rate(s.stages[name].rowsPerSecond)})`),
    `${s.workerCpuSeconds.toFixed(1)} (${s.mainThreadCpuSeconds.toFixed(1)})`,
    s.peakRssMb.map((mb) => Math.round(mb)).join(' / '),
    s.startupRssMb.map((mb) => Math.round(mb)).join(' / '),
    (s.datasetBytes / 1e6).toFixed(1),
    `${Math.round(s.otherLoad * 100)}%`,
  ]);
  return table([header, ...lines]);
}

/** Latency lines, one per configuration that measured it. */
export function latencyTable(figures: ConfigurationFigures[]): string {
  const rows = figures.flatMap((f) =>
    f.latency
      ? [
          [
            String(f.workers),
            f.format,
            String(f.latency.runs),
            String(round(f.latency.medianMs)),
            String(round(f.latency.minMs)),
            String(round(f.latency.maxMs)),
            String(round(f.latency.recordMedianMs)),
          ],
        ]
      : [],
  );
  if (rows.length === 0) return '';
  return table([
    ['workers', 'format', 'runs', 'median ms', 'min ms', 'max ms', 'record median ms (enqueued → endedAt)'],
    ...rows,
  ]);
}

function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0] as string[]), rule, ...rows.slice(1).map(line)].join('\n');
}
