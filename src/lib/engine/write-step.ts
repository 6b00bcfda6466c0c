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
  let line = '';
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r] as number;
    const end = runs[r + 1] as number;
    let part: string;
    if (runs[r + 2] === 1) {
      part = row[start] as string;
      for (let c = start + 1; c < end; c++) part += `,${row[c]}`;
    } else part = formatCsvLine(row, start, end);
    line = r === 0 ? part : `${line},${part}`;
  }
  return line;
}
