import type { Op } from '../definition/chain.ts';
import type { PipelineDefinition } from '../definition/define.ts';
import { ConfigError } from '../errors.ts';
import type { DatasetFormat } from '../lake/keys.ts';
import { planTransform } from './plan.ts';

/**
 * A pipeline whose datasets are written in other formats: the same sources, operations and suites,
 * each dataset named in `formats` written as that format (the others as the definition says). It is
 * what changing `.write(name)` to `.write(name, { format })` in the definition does, for the bench and
 * tests that compare formats without a second definition.
 * @throws ConfigError `DEFINITION_INVALID` for a dataset the pipeline does not write
 */
export function withDatasetFormats(
  pipeline: PipelineDefinition,
  formats: Readonly<Record<string, DatasetFormat>>,
): PipelineDefinition {
  const written = new Set(pipeline.plan.datasets.map((dataset) => dataset.name));
  const unknown = Object.keys(formats).filter((name) => !written.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `pipeline ${pipeline.name} writes no dataset ${unknown.join(', ')} (datasets: ${[...written].join(', ')})`,
      { code: 'DEFINITION_INVALID' },
    );
  }
  const ops = pipeline.transform.ops.map(
    (op): Op =>
      (op.op === 'write' && formats[op.dataset] ? { ...op, format: formats[op.dataset] } : op) as Op,
  );
  const transform = { source: pipeline.transform.source, ops };
  const { plan } = planTransform(pipeline.sources, transform);
  return { ...pipeline, transform, plan };
}
