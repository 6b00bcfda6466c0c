import type { PipelineDefinition } from '../definition/define.ts';
import { isNumericType } from '../definition/schema.ts';
import type { DimensionSource } from '../definition/sources.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import { AggregateStep } from './aggregate.ts';
import { Batch } from './batch.ts';
import { type CompiledTransform, compileTransform } from './compile.ts';
import { type LandingInput, landingKeyOf, latestSnapshotKey, openLanding } from './landing.ts';
import type { Layout } from './layout.ts';
import { buildDimensionTable } from './lookup.ts';
import type { DatasetWrite } from './parquet-write-step.ts';
import type { Step } from './step.ts';

/** Progress of a transform, reported once per batch. */
export interface TransformProgress {
  stage: 'dimensions' | 'rows' | 'aggregates';
  /** Rows read so far in this stage. */
  rows: number;
}

/** What {@link runTransform} needs. */
export interface TransformOptions {
  lake: DataLake;
  pipeline: PipelineDefinition;
  runId: string;
  /** The run's date, `YYYY-MM-DD`. */
  date: string;
  /**
   * Landing objects by source, as this run's ingestions reported them; a source not listed is read at
   * its standard key (the fact) or as its latest snapshot at or before the date (a dimension).
   */
  landingKeys?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  onProgress?: (progress: TransformProgress) => void;
  /** Rows per batch (default 512); memory is bounded by it, results do not depend on it. */
  batchSize?: number;
  /** Rows per row group of the Parquet datasets (default `DEFAULT_ROW_GROUP_ROWS`, lake/parquet-writer.ts). */
  rowGroupRows?: number;
}

/** What a transform read and wrote. */
export interface TransformOutput {
  /** Landing objects read: the fact, then each dimension snapshot joined. */
  inputs: ObjectRef[];
  /** Output datasets by name. */
  outputs: Record<string, ObjectRef>;
  /** Per step label (`dedupe`, `filter`, `lookup_devices`, `write_readings`, …): its counters. */
  metrics: Record<string, Record<string, number | string | null>>;
}

/**
 * Runs a pipeline's transform for one date in one streaming pass: the fact's rows go batch by batch
 * through every step (writing each dataset as they pass it) while aggregates accumulate; dimension
 * snapshots (the latest at or before the date) are held as keyed tables. Nothing of the date changes
 * unless everything succeeds: writers are aborted on any error and finished only once every row has
 * been processed.
 * @throws InputError for missing or unusable input (`MISSING_INPUT`, `MISSING_COLUMN`, `DUPLICATE_KEY`,
 * `INVALID_NUMBER`, `INVALID_TIMESTAMP`, …); StorageError from the lake; the signal's reason on abort
 */
export async function runTransform(options: TransformOptions): Promise<TransformOutput> {
  const { lake, pipeline, signal, onProgress } = options;
  const date = assertIsoDate(options.date);
  signal?.throwIfAborted();
  const fact = pipeline.transform.source;
  const given = options.landingKeys ?? {};
  const factKey = given[fact] ?? (await landingKeyOf(lake, pipeline.name, fact, date));
  const dimensions = [...new Set(lookupsOf(pipeline))];

  // The fact object opens (metadata, stream, header) while the dimensions load; an error of the
  // dimensions is reported first, once that object is closed (a failed step leaves nothing open).
  const opening = openLanding(lake, factKey, fact, date, {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    rowCapacity: (header) => header.length + appendedColumns(pipeline),
  });
  opening.catch(() => undefined); // awaited below; observed now so an early rejection is not unhandled
  let snapshots: Map<string, Snapshot>;
  try {
    snapshots = await readSnapshots(lake, pipeline.name, dimensions, given, date);
  } catch (error) {
    await opening.then(
      (input) => input.close(),
      () => undefined,
    );
    throw error;
  }
  onProgress?.({
    stage: 'dimensions',
    rows: [...snapshots.values()].reduce((sum, s) => sum + s.rows.length, 0),
  });

  const input = await opening;
  let compiled: CompiledTransform | undefined;
  try {
    const where = { source: fact, key: factKey };
    compiled = compileTransform(pipeline, input.header, where, {
      csv: (dataset, header) =>
        lake.openCsvWriter(lakeKeys.dataset(pipeline.name, dataset, date), header, signal),
      parquet: (dataset, schema, infer) =>
        lake.openParquetWriter(lakeKeys.dataset(pipeline.name, dataset, date, 'parquet'), schema, signal, {
          infer,
          ...(options.rowGroupRows ? { rowGroupRows: options.rowGroupRows } : {}),
        }),
    });
    for (const { step, dimension, take } of compiled.lookups) {
      const snapshot = snapshots.get(dimension) as Snapshot;
      const source = pipeline.sources[dimension] as DimensionSource;
      step.setTable(
        buildDimensionTable(dimension, source, snapshot.header, snapshot.rows, take, snapshot.ref.key),
      );
    }
    snapshots.forEach((snapshot) => {
      snapshot.rows = [];
    });

    const { steps } = compiled;
    const firstAggregate = steps.findIndex((step) => step instanceof AggregateStep);
    const streamed = firstAggregate < 0 ? steps.length : firstAggregate + 1;
    const batch = new Batch(() => input.header, where);
    const numeric = numericColumns(pipeline, input.header);
    let rowsRead = 0;
    for await (const rows of input.batches) {
      signal?.throwIfAborted();
      batch.reset(rows, rowsRead + 1);
      rowsRead += rows.length;
      // pandas types a column from all its rows: text in a number column fails the run even in a
      // row a later step drops. Parsed here, the numbers are cached for the steps that read them.
      for (const c of numeric) batch.number(c);
      for (let s = 0; s < streamed; s++) (steps[s] as Step).run(batch);
      await Promise.all(batch.pending);
      onProgress?.({ stage: 'rows', rows: rowsRead });
    }
    for (const step of steps) step.release?.();
    await runAggregates(compiled, firstAggregate, where, signal, onProgress);
    for (const write of compiled.writes) write.output();

    const refs = await finishAll(compiled.writes);
    return {
      inputs: [input.ref(rowsRead), ...[...snapshots.values()].map((s) => s.ref)],
      outputs: Object.fromEntries(compiled.writes.map((write, k) => [write.dataset, refs[k] as ObjectRef])),
      metrics: metricsOf(steps, rowsRead),
    };
  } catch (error) {
    await Promise.all((compiled?.writes ?? []).map((write) => write.opened?.abort(error)));
    throw error;
  } finally {
    input.close();
  }
}

/** After the stream: each aggregate's groups become rows that run through the steps after it. */
async function runAggregates(
  compiled: CompiledTransform,
  first: number,
  where: { source: string; key: string },
  signal: AbortSignal | undefined,
  onProgress: TransformOptions['onProgress'],
): Promise<void> {
  const { steps } = compiled;
  for (let a = first; a >= 0 && a < steps.length; ) {
    const aggregate = steps[a] as AggregateStep;
    const layout = compiled.aggregateLayouts.get(a) as Layout;
    const batch = new Batch(() => layout.names, where);
    aggregate.finish(batch);
    signal?.throwIfAborted();
    onProgress?.({ stage: 'aggregates', rows: batch.size });
    let next = a + 1;
    for (; next < steps.length; next++) {
      const step = steps[next] as Step;
      step.run(batch);
      if (step instanceof AggregateStep) break;
    }
    await Promise.all(batch.pending);
    a = next < steps.length ? next : -1;
  }
}

interface Snapshot {
  header: string[];
  rows: string[][];
  ref: ObjectRef;
}

/** How many columns the streamed steps append to a row at most (before the first aggregate). */
function appendedColumns(pipeline: PipelineDefinition): number {
  const { steps } = pipeline.plan;
  const origin = steps[0]?.before.length ?? 0;
  let widest = origin;
  for (const step of steps) {
    if (step.op.op === 'aggregate') break;
    widest = Math.max(widest, step.after.length);
  }
  return widest - origin;
}

/** Positions of the fact's columns its schema types as numbers. */
function numericColumns(pipeline: PipelineDefinition, header: readonly string[]): number[] {
  const schema = pipeline.sources[pipeline.transform.source]?.schema ?? {};
  return header.flatMap((name, c) => (isNumericType(schema[name] ?? 'string') ? [c] : []));
}

/** The dimensions the transform looks up, in order of first use. */
function lookupsOf(pipeline: PipelineDefinition): string[] {
  return pipeline.transform.ops.flatMap((op) => (op.op === 'lookup' ? [op.dimension] : []));
}

/** Reads each dimension's snapshot whole (dimensions are small), keeping its reference. */
async function readSnapshots(
  lake: DataLake,
  pipeline: string,
  dimensions: readonly string[],
  given: Readonly<Record<string, string>>,
  date: string,
): Promise<Map<string, Snapshot>> {
  const read = async (dimension: string): Promise<[string, Snapshot]> => {
    const key = given[dimension] ?? (await latestSnapshotKey(lake, pipeline, dimension, date));
    const input: LandingInput = await openLanding(lake, key, dimension, date);
    try {
      const rows: string[][] = [];
      for await (const batch of input.batches) for (const row of batch) rows.push(row);
      return [dimension, { header: input.header, rows, ref: input.ref(rows.length) }];
    } finally {
      input.close();
    }
  };
  return new Map(await Promise.all(dimensions.map(read)));
}

/**
 * Puts every output in place. The data is complete by now, so this only fails on storage errors; the
 * outputs still unfinished are then dropped (each object is atomic on its own).
 */
async function finishAll(writes: readonly DatasetWrite[]): Promise<ObjectRef[]> {
  const settled = await Promise.allSettled(writes.map((write) => write.output().finish()));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((result) => (result as PromiseFulfilledResult<ObjectRef>).value);
}

/** Each step's counters under its name (`filter`, `filter_2`, …), after the rows read. */
function metricsOf(steps: readonly Step[], rowsRead: number): TransformOutput['metrics'] {
  const metrics: TransformOutput['metrics'] = { read: { rows: rowsRead } };
  for (const step of steps) {
    let name = step.name;
    for (let n = 2; name in metrics; n++) name = `${step.name}_${n}`;
    metrics[name] = step.metrics();
  }
  return metrics;
}
