import type { Suite } from '../definition/define.ts';
import { InputError, PipelineError } from '../errors.ts';
import { readCsv } from '../lake/csv-reader.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import { NumericColumns } from './batch-values.ts';
import { DEFAULT_SAMPLES, type QualitySuite, qualitySuiteSchema } from './checks.ts';
import { createEvaluator, type Evaluator, type Outcome } from './evaluators.ts';
import { buildReport, type QualityReport } from './report.ts';

/** What {@link runQualityChecks} needs. */
export interface QualityOptions {
  lake: DataLake;
  /** The pipeline's name: the report is written in its namespace. */
  pipeline: string;
  runId: string;
  date: string;
  /** The suite, as the pipeline's definition declares it (checked again here: it is data). */
  suite: Suite;
  /** The CSV object to check, as the transform reported it; default the dataset's partition of the date. */
  datasetKey?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { stage: 'quality'; rows: number }) => void;
  /** Rows per batch (default 512); memory is bounded by it, the report does not depend on it. */
  batchSize?: number;
}

/**
 * Runs a quality suite over its dataset in one streaming pass (every check at once; only uniqueness
 * holds per-value state), then writes the run's own report to `<pipeline>/quality/<dataset>/date=…/<runId>.json`.
 * A check whose column is missing, or every check of an empty dataset, is an ERROR with score 0. Each
 * check keeps its first failing rows (5, or its `samples`), numbered from 1 in the dataset whatever the
 * batches.
 * @throws InputError `INVALID_SUITE`, `MISSING_INPUT` (no dataset object), CSV errors; StorageError
 */
export async function runQualityChecks(
  options: QualityOptions,
): Promise<{ report: QualityReport; reportRef: ObjectRef }> {
  const { lake, pipeline, runId, signal, onProgress } = options;
  const date = assertIsoDate(options.date);
  const dataset = options.suite.dataset;
  const suite = parseSuite({ name: options.suite.name, checks: options.suite.checks });
  const key = options.datasetKey ?? lakeKeys.dataset(pipeline, dataset, date);
  signal?.throwIfAborted();

  const stream = await lake.storage.getStream(key).catch((error: unknown) => {
    if (error instanceof PipelineError && error.code === 'NOT_FOUND') {
      throw new InputError(`no dataset to check for ${date}`, {
        code: 'MISSING_INPUT',
        cause: error,
        location: { key },
      });
    }
    throw error;
  });
  let rows = 0;
  let outcomes: Outcome[];
  try {
    const wanted = new Set(suite.checks.map((check) => check.column));
    const table = await readCsv(stream, {
      location: { key },
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      columns: (header) => header.flatMap((name, index) => (wanted.has(name) ? [index] : [])),
    });
    const evaluators = suite.checks.map((check): Evaluator | string => {
      const index = table.header.indexOf(check.column);
      return index < 0
        ? `column ${check.column} not found`
        : createEvaluator(check, index, check.samples ?? DEFAULT_SAMPLES);
    });
    const numbers = new NumericColumns();
    for await (const batch of table.batches) {
      signal?.throwIfAborted();
      numbers.next(batch);
      for (const evaluator of evaluators)
        if (typeof evaluator !== 'string') evaluator.consume(batch, numbers, rows);
      rows += batch.length;
      onProgress?.({ stage: 'quality', rows });
    }
    outcomes = evaluators.map((evaluator): Outcome => {
      if (typeof evaluator === 'string') return { error: evaluator };
      return rows === 0 ? { error: 'dataset is empty' } : evaluator.outcome(rows, numbers);
    });
  } finally {
    stream.destroy();
  }

  const report = buildReport(
    { dataset, dataset_key: key, date, runId, suite: suite.name, timestamp: new Date().toISOString() },
    suite.checks,
    outcomes,
    rows,
  );
  signal?.throwIfAborted();
  const reportRef = await lake.writeJson(lakeKeys.qualityReport(pipeline, dataset, date, runId), report);
  return { report, reportRef };
}

/** Validates a suite given as data. @throws InputError `INVALID_SUITE` */
function parseSuite(suite: QualitySuite): QualitySuite {
  const parsed = qualitySuiteSchema.safeParse(suite);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new InputError(`invalid quality suite: ${problems}`, { code: 'INVALID_SUITE', cause: parsed.error });
}
