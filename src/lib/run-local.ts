import type { PipelineDefinition } from './definition/define.ts';
import { runTransform, type TransformOutput } from './engine/run-transform.ts';
import { ingestSource } from './ingest/ingest.ts';
import type { DataLake } from './lake/data-lake.ts';
import type { IngestResult, InputSpec } from './pipeline/jobs.ts';
import { suiteOf } from './pipeline/resolve.ts';
import type { QualityReport } from './quality/report.ts';
import { runQualityChecks } from './quality/run-checks.ts';

/** What {@link runLocal} needs. */
export interface RunLocalOptions {
  pipeline: PipelineDefinition;
  lake: DataLake;
  /** The run's date, `YYYY-MM-DD`. */
  date: string;
  /**
   * Where each source's rows come from; a source not named is generated with its generator's
   * defaults (seed 42). Give `null` to skip a dimension: its latest snapshot in the lake is joined.
   */
  inputs?: Readonly<Record<string, InputSpec | null>>;
  /** The quality suite to run (default the pipeline's first; `null` runs none). */
  suite?: string | null;
  runId?: string;
}

/** What a local run produced. */
export interface LocalRun {
  ingested: IngestResult[];
  transform: TransformOutput;
  report: QualityReport | undefined;
}

/**
 * Runs a pipeline for one date in this process, step after step as workers would (ingest each source,
 * transform, quality), on any lake, without Redis: for tests of a pipeline and for trying one out.
 * @throws InputError `UNKNOWN_SUITE`, and whatever the steps throw
 */
export async function runLocal(options: RunLocalOptions): Promise<LocalRun> {
  const { pipeline, lake, date } = options;
  const runId = options.runId ?? `${pipeline.name}-${date}-local`;
  const inputs = options.inputs ?? {};
  // Resolved first: a wrong suite name is refused before anything runs.
  const suite = options.suite === null ? undefined : suiteOf(pipeline, options.suite);
  const ingested: IngestResult[] = [];
  for (const source of Object.keys(pipeline.sources)) {
    const input = Object.hasOwn(inputs, source)
      ? inputs[source]
      : { kind: 'generate' as const, seed: 42, options: {} };
    if (input === null || input === undefined) continue;
    ingested.push(await ingestSource({ lake, pipeline, runId, date, source, input }));
  }
  const landingKeys = Object.fromEntries(ingested.map((result) => [result.source, result.landing.key]));
  const transform = await runTransform({ lake, pipeline, runId, date, landingKeys });
  if (!suite) return { ingested, transform, report: undefined };
  const datasetKey = transform.outputs[suite.dataset]?.key;
  const { report } = await runQualityChecks({
    lake,
    pipeline: pipeline.name,
    definition: pipeline,
    runId,
    date,
    suite,
    datasetKey,
  });
  return { ingested, transform, report };
}
