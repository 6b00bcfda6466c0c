/**
 * lakeflow's public API: everything a pipeline definition imports, by its relative path (a definition
 * in `pipelines/<name>/pipeline.ts` is compiled with the rest into the image).
 * @example
 * import { definePipeline, dimension, fact, sum } from '../../src/api.ts';
 */

/** zod, for generator options: a definition needs no import but this module's. */
export { z } from 'zod';
export { Chain, type PartitionGrain, type TextOptions } from './lib/definition/chain.ts';
export { fresh, rowCount, rowCountChange, schemaStable } from './lib/definition/dataset-checks.ts';
export {
  definePipeline,
  type PipelineDefinition,
  type PipelineSpec,
  type Suite,
} from './lib/definition/define.ts';
export {
  dateOf,
  dayName,
  dayOfWeek,
  hourOf,
  hourStart,
  isWeekend,
  round,
} from './lib/definition/expressions.ts';
export { count, countDistinct, max, mean, min, sum } from './lib/definition/measures.ts';
export {
  acceptedValues,
  type CheckOptions,
  compare,
  complete,
  inRange,
  type QualityContext,
  unique,
} from './lib/definition/quality.ts';
export { matches, references, rule, satisfies, uniqueTogether } from './lib/definition/row-checks.ts';
export type { ColumnType, RowOf, Schema, Value } from './lib/definition/schema.ts';
export type { QuarantineOptions } from './lib/definition/sources.ts';
export { dimension, fact, type GenerateContext, type SourceGenerator } from './lib/definition/sources.ts';
export { type LocalRun, type RunLocalOptions, runLocal } from './lib/run-local.ts';
export { type Rng, SelectionSampler } from './lib/sources/random.ts';
export { formatDate as dateText, formatTimestamp as timestampText } from './lib/sources/values.ts';
