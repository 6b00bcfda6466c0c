import type { Batch } from './batch.ts';

/** Counters a step reports in the run record. */
export type StepMetrics = Record<string, number | string | null>;

/** One compiled operation: it edits a batch in place (drops rows, changes or appends cells). */
export interface Step {
  /** `dedupe`, `lookup_devices`, `write_readings`: its name in metrics. */
  readonly name: string;
  run(batch: Batch): void;
  metrics(): StepMetrics;
  /** Frees what the step kept across batches (called once the date is done). */
  release?(): void;
}
