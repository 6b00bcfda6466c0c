import type { Op } from '../definition/chain.ts';
import type { PipelineDefinition } from '../definition/define.ts';
import { isTimePart } from '../definition/expressions.ts';
import { type AnyRow, isNumericType, type Value } from '../definition/schema.ts';
import type { DimensionSource } from '../definition/sources.ts';
import { InputError } from '../errors.ts';
import type { CsvObjectWriter } from '../lake/data-lake.ts';
import { AggregateStep, type MeasurePlan } from './aggregate.ts';
import { Layout, type RuntimeType } from './layout.ts';
import { LookupStep } from './lookup.ts';
import { type DatasetWrite, type OpenParquet, ParquetWriteStep } from './parquet-write-step.ts';
import { ComputeStep, DedupeStep, FillNullStep, FilterStep, TextStep } from './row-steps.ts';
import type { Step } from './step.ts';
import { ParseStep, type TimeOutput, TimePartsStep, type Where } from './time-steps.ts';
import { WriteStep } from './write-step.ts';

/** A lookup the runner must give a table to. */
export interface LookupNeed {
  step: LookupStep;
  dimension: string;
  take: string[];
}

/** A transform compiled against the fact object's header. */
export interface CompiledTransform {
  /** The steps in order; an {@link AggregateStep} absorbs its input and starts the rows after it. */
  steps: Step[];
  /** The layout after each aggregate, by its step index (its output rows are laid out so). */
  aggregateLayouts: Map<number, Layout>;
  writes: DatasetWrite[];
  lookups: LookupNeed[];
}

/** How the datasets' objects are opened, per format. */
export interface DatasetOpeners {
  csv: (dataset: string, header: readonly string[]) => CsvObjectWriter;
  parquet: OpenParquet;
}

/**
 * Compiles a pipeline's operations against the fact object's actual header (its column order, its
 * extra columns): every column becomes a position, every operation a step.
 * @throws InputError `MISSING_COLUMN` when a step needs a column the object lacks, `COLUMN_CONFLICT`
 * when a lookup would bring a column the rows already have
 */
export function compileTransform(
  pipeline: PipelineDefinition,
  header: readonly string[],
  where: Required<Where>,
  openers: DatasetOpeners,
): CompiledTransform {
  const fact = pipeline.sources[pipeline.transform.source];
  let layout = Layout.of(header, fact?.schema ?? {}, where.key);
  const compiled: CompiledTransform = { steps: [], aggregateLayouts: new Map(), writes: [], lookups: [] };
  pipeline.transform.ops.forEach((op, index) => {
    const planned = pipeline.plan.steps[index];
    const label = `${planned?.label ?? `step ${index + 1}`} of pipeline ${pipeline.name}`;
    // The plan typed every column a step adds; the runtime layout takes those types by name.
    const typeOf = (name: string): RuntimeType =>
      planned?.after.find((c) => c.name === name)?.type ?? 'unknown';
    const result = compileOp(op, { layout, label, typeOf }, pipeline, where, openers, compiled);
    layout = result.layout;
    compiled.steps.push(result.step);
    if (result.step instanceof AggregateStep) compiled.aggregateLayouts.set(index, layout);
  });
  return compiled;
}

/** Where an operation is compiled: the layout before it, its label, the plan's types after it. */
interface StepContext {
  layout: Layout;
  label: string;
  typeOf: (name: string) => RuntimeType;
}

function compileOp(
  op: Op,
  { layout, label, typeOf }: StepContext,
  pipeline: PipelineDefinition,
  where: Required<Where>,
  openers: DatasetOpeners,
  compiled: CompiledTransform,
): { step: Step; layout: Layout } {
  const positions = (names: readonly string[]) => layout.require(names, label);
  switch (op.op) {
    case 'dedupe':
      return { step: new DedupeStep(positions(op.keys)), layout };
    case 'fillNull': {
      const names = Object.keys(op.values);
      const at = positions(names);
      const numeric = at.map((c) => isNumericType(layout.types[c] as never));
      return { step: new FillNullStep(at, names, Object.values(op.values), numeric), layout };
    }
    case 'text':
      return { step: new TextStep(positions(op.columns), { strip: op.strip, case: op.case }), layout };
    case 'parse': {
      const names = Object.keys(op.columns);
      const at = positions(names);
      const columns = names.map((name, k) => ({
        position: at[k] as number,
        name,
        type: op.columns[name] as NonNullable<(typeof op.columns)[string]>,
      }));
      return {
        step: new ParseStep(columns, where),
        layout: layout.with(columns.map((c) => ({ name: c.name, type: typeOf(c.name) }))).layout,
      };
    }
    case 'derive':
      return compileDerive(op, { layout, label, typeOf }, where);
    case 'filter':
      return { step: new FilterStep(layout, op.predicate), layout };
    case 'apply': {
      const names = Object.keys(op.columns);
      const next = layout.with(names.map((name) => ({ name, type: typeOf(name) })));
      const { fn } = op;
      const compute = (row: AnyRow, into: Value[]) => {
        const result = fn(row) ?? {};
        for (let k = 0; k < names.length; k++) into[k] = result[names[k] as string] ?? null;
      };
      return {
        step: new ComputeStep(
          'apply',
          layout,
          next.positions,
          compute,
          firstReplaced(next.positions, layout),
        ),
        layout: next.layout,
      };
    }
    case 'lookup': {
      const dimension = pipeline.sources[op.dimension] as DimensionSource;
      const on = positions(op.on.length > 0 ? op.on : dimension.key);
      const clashes = op.take.filter((name) => layout.indexOf(name) >= 0);
      if (clashes.length > 0) {
        throw new InputError(
          `the rows already have column(s) ${op.take.join(', ')} would add: ${clashes.join(', ')}`,
          {
            code: 'COLUMN_CONFLICT',
            location: { ...where, column: clashes.join(', ') },
          },
        );
      }
      const next = layout.with(op.take.map((name) => ({ name, type: typeOf(name) })));
      const step = new LookupStep(op.dimension, on, next.positions);
      compiled.lookups.push({ step, dimension: op.dimension, take: op.take });
      return { step, layout: next.layout };
    }
    case 'write': {
      const step =
        op.format === 'parquet'
          ? new ParquetWriteStep(op.dataset, layout.names, layout.types, openers.parquet)
          : new WriteStep(op.dataset, layout.names, openers.csv);
      compiled.writes.push(step);
      return { step, layout };
    }
    case 'aggregate': {
      const by = positions(op.by);
      const measures = Object.values(op.measures).map((measure): MeasurePlan => {
        const column = measure.column === undefined ? -1 : (positions([measure.column])[0] as number);
        const type = column >= 0 ? layout.types[column] : undefined;
        const numeric =
          type !== undefined &&
          (isNumericType(type as never) ||
            (type === 'unknown' && measure.fn !== 'countDistinct' && measure.fn !== 'count'));
        return { fn: measure.fn, column, numeric, round: measure.round };
      });
      const step = new AggregateStep(
        by,
        by.map((c) => isNumericType(layout.types[c] as never)),
        measures,
      );
      const names = [...op.by, ...Object.keys(op.measures)];
      const next = Layout.fromColumns(
        names.map((name) => ({ name, type: typeOf(name) })),
        where.key,
      );
      return { step, layout: next };
    }
  }
}

function compileDerive(
  op: Extract<Op, { op: 'derive' }>,
  { layout, label, typeOf }: StepContext,
  where: Required<Where>,
) {
  const entries = Object.entries(op.columns);
  const next = layout.with(entries.map(([name]) => ({ name, type: typeOf(name) })));
  const timeOutputs: TimeOutput[] = [];
  const computedAt: number[] = [];
  const functions: ((row: AnyRow) => Value)[] = [];
  const names = new Map<number, string>();
  entries.forEach(([, expr], k) => {
    const position = next.positions[k] as number;
    if (isTimePart(expr)) {
      const source = layout.require([expr.column], label)[0] as number;
      names.set(source, expr.column);
      timeOutputs.push({ position, part: expr.part, source });
    } else {
      computedAt.push(position);
      functions.push(expr);
    }
  });
  // Functions first: they see the row as it was before the step.
  const steps: Step[] = [];
  if (functions.length > 0) {
    const compute = (row: AnyRow, into: Value[]) => {
      for (let k = 0; k < functions.length; k++) into[k] = (functions[k] as (row: AnyRow) => Value)(row);
    };
    steps.push(new ComputeStep('derive', layout, computedAt, compute, firstReplaced(computedAt, layout)));
  }
  if (timeOutputs.length > 0) steps.push(new TimePartsStep(timeOutputs, names, where));
  return { step: steps.length === 1 ? (steps[0] as Step) : sequence(steps), layout: next.layout };
}

/** The first position among `positions` that an existing column holds (Infinity for none). */
function firstReplaced(positions: readonly number[], layout: Layout): number {
  return Math.min(...positions.filter((p) => p < layout.size), Number.POSITIVE_INFINITY);
}

/** Steps run one after the other as one. */
function sequence(steps: Step[]): Step {
  return {
    name: steps[0]?.name ?? 'derive',
    run: (batch) => {
      for (const step of steps) step.run(batch);
    },
    metrics: () => ({}),
  };
}
