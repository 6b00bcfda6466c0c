import { formatCsvLine } from '../lake/csv.ts';
import type { CsvObjectWriter } from '../lake/data-lake.ts';
import type { Batch } from './batch.ts';
import type { Step, StepMetrics } from './step.ts';

/**
 * Writes the rows' first `width` cells to a dataset's object. A row is formatted once for all the
 * datasets it goes to: when the previous write's lines still hold (no step since changed a cell they
 * cover), they are extended with the new cells instead of formatted again. The writer encodes the
 * lines before `writeLines` returns, so extending them afterwards is safe.
 */
export class WriteStep implements Step {
  readonly name: string;
  private writer: CsvObjectWriter | undefined;
  private rows = 0;

  constructor(
    readonly dataset: string,
    readonly header: readonly string[],
    private readonly open: (dataset: string, header: readonly string[]) => CsvObjectWriter,
  ) {
    this.name = `write_${dataset}`;
  }

  /** The dataset's writer, opened on first use (an empty dataset still gets its header). */
  output(): CsvObjectWriter {
    this.writer ??= this.open(this.dataset, this.header);
    return this.writer;
  }

  /** The writer if it was opened. */
  get opened(): CsvObjectWriter | undefined {
    return this.writer;
  }

  run(batch: Batch): void {
    const n = batch.size;
    const writer = this.output();
    if (n === 0) return;
    const width = this.header.length;
    const { rows } = batch;
    let lines = batch.lines;
    if (lines !== undefined && batch.lineWidth <= width) {
      const from = batch.lineWidth;
      if (from < width) {
        const runs = runsOf(batch.safe, from, width);
        for (let i = 0; i < n; i++) lines[i] = `${lines[i]},${formatRuns(rows[i] as string[], runs)}`;
      }
    } else {
      lines = new Array<string>(n);
      const runs = runsOf(batch.safe, 0, width);
      for (let i = 0; i < n; i++) lines[i] = formatRuns(rows[i] as string[], runs);
    }
    batch.lines = lines;
    batch.lineWidth = width;
    this.rows += n;
    batch.pending.push(writer.writeLines(lines));
  }

  metrics(): StepMetrics {
    return { rows: this.rows };
  }
}

/**
 * The columns `from`..`to` as runs `[start, end, safe]`: a safe run is joined as it is, the others
 * through `formatCsvLine`'s checks.
 */
function runsOf(safe: Uint8Array, from: number, to: number): number[] {
  const runs: number[] = [];
  let start = from;
  for (let c = from + 1; c <= to; c++) {
    if (c === to || safe[c] !== safe[start]) {
      runs.push(start, c, safe[start] as number);
      start = c;
    }
  }
  return runs;
}

function formatRuns(row: readonly string[], runs: readonly number[]): string {
  // The whole row, its unsafe columns first (the input's, before what steps appended): joined once
  // natively, then only the unsafe prefix is checked, as formatCsvLine checks a line.
  if (runs.length === 6 && runs[0] === 0 && runs[2] === 0 && runs[5] === 1 && runs[4] === row.length) {
    return joinCheckingPrefix(row, runs[1] as number);
  }
  let line = '';
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r] as number;
    const end = runs[r + 1] as number;
    const part =
      runs[r + 2] === 1
        ? end - start === 1
          ? (row[start] as string)
          : row.slice(start, end).join(',')
        : formatCsvLine(row, start, end);
    line = r === 0 ? part : `${line},${part}`;
  }
  return line;
}

/** `row` as one CSV line, when only its first `unsafe` cells may need quoting. */
function joinCheckingPrefix(row: readonly string[], unsafe: number): string {
  const line = row.join(',');
  let prefix = unsafe - 1;
  for (let c = 0; c < unsafe; c++) prefix += (row[c] as string).length;
  const quote = line.indexOf('"');
  const lf = line.indexOf('\n');
  const cr = line.indexOf('\r');
  if ((quote < 0 || quote > prefix) && (lf < 0 || lf > prefix) && (cr < 0 || cr > prefix)) {
    let commas = 0;
    for (let at = line.indexOf(','); at >= 0 && at < prefix; at = line.indexOf(',', at + 1)) commas++;
    if (commas === unsafe - 1) return line;
  }
  return formatCsvLine(row);
}
