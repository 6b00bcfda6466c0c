import type { PipelineDefinition, Suite } from '../definition/define.ts';
import { InputError, PipelineError } from '../errors.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { openDataset } from '../lake/dataset-reader.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import { NumericColumns } from './batch-values.ts';
import {
  columnsOf,
  DEFAULT_SAMPLES,
  isDatasetCheck,
  type QualitySuite,
  qualitySuiteSchema,
} from './checks.ts';
import { ColumnProfile } from './column-profile.ts';
import { type DatasetOutcome, evaluateDatasetCheck } from './dataset-checks.ts';
import { createEvaluator, type Evaluator, type Outcome } from './evaluators.ts';
import { appendHistory, historyEntry, readHistory } from './history.ts';
import { loadReferenceKeys } from './reference-keys.ts';
import { buildReport, type QualityReport } from './report.ts';

/** What {@link runQualityChecks} needs. */
export interface QualityOptions {
  lake: DataLake;
  /** The pipeline's name: the report is written in its namespace. */
  pipeline: string;
  /**
   * The pipeline's definition: the declared columns a schema check compares with, and the key of a
   * dimension a references check names (without it, those checks need their own `key`).
   */
  definition?: PipelineDefinition;
  runId: string;
  date: string;
  /** The suite, as the pipeline's definition declares it (checked again here: it is data). */
  suite: Suite;
  /** The object to check, as the transform reported it; default the dataset's partition of the date. */
  datasetKey?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { stage: 'quality'; rows: number }) => void;
  /** Rows per batch (default 512); memory is bounded by it, the report does not depend on it. */
  batchSize?: number;
}

/**
 * Runs a quality suite over its dataset in one streaming pass (every row check at once; only
 * uniqueness holds per-value state), then the dataset checks (row count and its change against the
 * history, freshness, schema), then writes the run's own report to
 * `<pipeline>/quality/<dataset>/date=…/<runId>.json` and its entry in the dataset's history.
 * A row check whose column is missing, or every row check of an empty dataset, is an ERROR with
 * score 0. Each row check keeps its first failing rows (5, or its `samples`), numbered from 1 in the
 * dataset whatever the batches.
 * @throws InputError `INVALID_SUITE`, `MISSING_INPUT` (no dataset object), CSV errors; StorageError
 */
export async function runQualityChecks(
  options: QualityOptions,
): Promise<{ report: QualityReport; reportRef: ObjectRef; historyRef: ObjectRef }> {
  const { lake, pipeline, runId, signal, onProgress } = options;
  const date = assertIsoDate(options.date);
  const dataset = options.suite.dataset;
  const suite = parseSuite({ name: options.suite.name, checks: options.suite.checks });
  const key = options.datasetKey ?? lakeKeys.dataset(pipeline, dataset, date);
  const hasSchemaCheck = suite.checks.some((check) => check.kind === 'schema');
  const historyRuns = Math.max(
    0,
    ...suite.checks.map((check) =>
      check.kind === 'row_count_change' ? (check.runs ?? 3) : check.kind === 'schema' ? 1 : 0,
    ),
  );
  signal?.throwIfAborted();
  const [history, references] = await Promise.all([
    historyRuns > 0 ? readHistory(lake, pipeline, dataset, { before: date, limit: historyRuns }) : [],
    loadReferenceKeys(lake, pipeline, date, suite.checks, options.definition),
  ]);

  // A schema check looks at every column; otherwise only the checks' columns are read.
  const wanted = new Set(suite.checks.flatMap(columnsOf));
  const table = await openDataset(lake, key, {
    location: { key },
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(hasSchemaCheck
      ? {}
      : { columns: (names) => names.flatMap((name, index) => (wanted.has(name) ? [index] : [])) }),
  }).catch((error: unknown) => {
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
  const outcomes: (Outcome | DatasetOutcome)[] = [];
  let profile: ColumnProfile;
  let header: readonly string[];
  try {
    header = table.header;
    const indexOf = (column: string) => table.header.indexOf(column);
    const freshness = suite.checks.flatMap((check) => (check.kind === 'freshness' ? [check.column] : []));
    profile = new ColumnProfile(
      table.header,
      hasSchemaCheck,
      freshness.map(indexOf).filter((index) => index >= 0),
    );
    const evaluators = suite.checks.map((check): Evaluator | string | null => {
      if (isDatasetCheck(check)) return null;
      const missing = columnsOf(check).filter((column) => indexOf(column) < 0);
      if (missing.length > 0) return `column ${missing.join(', ')} not found`;
      const problem = check.kind === 'references' ? references.problems.get(check) : undefined;
      if (problem) return problem;
      return createEvaluator(check, indexOf, check.samples ?? DEFAULT_SAMPLES, {
        referenceKeys: references.keys,
      });
    });
    const numbers = new NumericColumns();
    for await (const batch of table.batches) {
      signal?.throwIfAborted();
      numbers.next(batch);
      for (const evaluator of evaluators)
        if (evaluator !== null && typeof evaluator !== 'string') evaluator.consume(batch, numbers, rows);
      profile.observe(batch);
      rows += batch.length;
      onProgress?.({ stage: 'quality', rows });
    }
    const observed = profile.columnTypes();
    const facts = {
      date,
      rows,
      header,
      observed,
      latest: (column: string) => profile.latestOf(indexOf(column)),
      history,
      ...(options.definition ? { declared: declaredColumns(options.definition, dataset) } : {}),
    };
    suite.checks.forEach((check, i) => {
      const evaluator = evaluators[i];
      if (isDatasetCheck(check)) outcomes.push(evaluateDatasetCheck(check, facts));
      else if (typeof evaluator === 'string') outcomes.push({ error: evaluator });
      else if (rows === 0) outcomes.push({ error: 'dataset is empty' });
      else outcomes.push((evaluator as Evaluator).outcome(rows, numbers));
    });
  } finally {
    table.close();
  }

  const report = buildReport(
    { dataset, dataset_key: key, date, runId, suite: suite.name, timestamp: new Date().toISOString() },
    suite.checks,
    outcomes,
    rows,
  );
  signal?.throwIfAborted();
  const reportRef = await lake.writeJson(lakeKeys.qualityReport(pipeline, dataset, date, runId), report);
  const historyRef = await appendHistory(lake, historyEntry(pipeline, report, profile.columnTypes()));
  return { report, reportRef, historyRef };
}

/** The dataset's columns as the definition's plan declares them (none for an unknown dataset). */
function declaredColumns(definition: PipelineDefinition, dataset: string) {
  return definition.plan.datasets.find((candidate) => candidate.name === dataset)?.columns ?? [];
}

/** Validates a suite given as data. @throws InputError `INVALID_SUITE` */
function parseSuite(suite: QualitySuite): QualitySuite {
  const parsed = qualitySuiteSchema.safeParse(suite);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new InputError(`invalid quality suite: ${problems}`, { code: 'INVALID_SUITE', cause: parsed.error });
}
