import type { Op } from '../definition/chain.ts';
import { maybeNumeric, NAME, sourceProblems } from '../definition/checks.ts';
import { isTimePart, type TimePartName } from '../definition/expressions.ts';
import { COLUMN_TYPES, type ColumnType, isNumericType, type Schema } from '../definition/schema.ts';
import type { Sources } from '../definition/sources.ts';
import { DATASET_FORMATS, type DatasetFormat } from '../lake/keys.ts';

/** A column as the plan tracks it; `unknown` is the type of a function's result until it runs. */
export interface PlanColumn {
  name: string;
  type: ColumnType | 'unknown';
}

/** One operation with the columns before and after it. */
export interface PlanStep {
  op: Op;
  /** `step 3 (lookup)`: how messages name it. */
  label: string;
  before: readonly PlanColumn[];
  after: readonly PlanColumn[];
}

/** An output dataset: where in the chain it is written, and its columns. */
export interface PlanDataset {
  name: string;
  step: number;
  columns: readonly PlanColumn[];
  /** How its partitions are stored (`.write(name, { format })`, default csv). */
  format: DatasetFormat;
}

/** A transform resolved against its sources: every step's columns, every dataset's layout. */
export interface Plan {
  source: string;
  steps: readonly PlanStep[];
  datasets: readonly PlanDataset[];
}

const TIME_PART_TYPES: Record<TimePartName, ColumnType> = {
  date: 'date',
  hour: 'int',
  dayName: 'string',
  dayOfWeek: 'int',
  isWeekend: 'bool',
  hourStart: 'datetime',
};
const NUMERIC_MEASURES = new Set(['sum', 'mean', 'min', 'max']);
const MEASURES = new Set([...NUMERIC_MEASURES, 'count', 'countDistinct']);

/**
 * Checks a pipeline's sources and transform, and resolves every step's columns; each problem is
 * collected with the step and column it concerns, so one load reports them all.
 * @returns the plan, and the problems (empty when the definition is sound)
 */
export function planTransform(
  sources: Sources,
  chain: { source: string; ops: readonly Op[] },
): { plan: Plan; problems: string[] } {
  const problems: string[] = [];
  for (const [name, source] of Object.entries(sources)) problems.push(...sourceProblems(name, source));
  const facts = Object.keys(sources).filter((name) => sources[name]?.kind === 'fact');
  if (facts.length === 0) problems.push('sources: at least one fact source is needed');
  const origin = sources[chain.source];
  if (!origin) problems.push(`transform: from(${JSON.stringify(chain.source)}): no such source`);
  else if (origin.kind !== 'fact')
    problems.push(`transform: from(${JSON.stringify(chain.source)}): a dimension cannot drive a transform`);
  for (const name of facts) {
    if (name !== chain.source) problems.push(`sources: fact source ${name} is not read by the transform`);
  }

  let columns: PlanColumn[] = origin ? columnsOf(origin.schema) : [];
  const steps: PlanStep[] = [];
  const datasets: PlanDataset[] = [];
  chain.ops.forEach((op, index) => {
    const label = `step ${index + 1} (${op.op})`;
    const report = (message: string) => problems.push(`transform ${label}: ${message}`);
    const before = columns;
    columns = applyOp(op, before, sources, report);
    steps.push({ op, label, before, after: columns });
    if (op.op === 'write') {
      if (!NAME.test(op.dataset))
        report(`dataset name ${JSON.stringify(op.dataset)}: lower-case letters, digits and _`);
      if (datasets.some((d) => d.name === op.dataset)) report(`dataset ${op.dataset} is written twice`);
      datasets.push({ name: op.dataset, step: index, columns, format: op.format ?? 'csv' });
    }
  });
  if (datasets.length === 0) problems.push('transform: it writes no dataset (add .write(name))');
  return { plan: { source: chain.source, steps, datasets }, problems };
}

function columnsOf(schema: Schema): PlanColumn[] {
  return Object.entries(schema).map(([name, type]) => ({ name, type }));
}

/** The columns after `op`, reporting what is wrong with it. */
function applyOp(
  op: Op,
  before: PlanColumn[],
  sources: Sources,
  report: (message: string) => void,
): PlanColumn[] {
  const find = (name: string) => before.find((c) => c.name === name);
  const need = (names: readonly string[], what: string) => {
    for (const name of names) {
      if (!find(name))
        report(`${what} ${name} does not exist (columns: ${before.map((c) => c.name).join(', ')})`);
    }
  };
  const withColumns = (added: PlanColumn[]) => {
    const replaced = new Map(added.map((c) => [c.name, c]));
    const kept = before.map((c) => replaced.get(c.name) ?? c);
    return [...kept, ...added.filter((c) => !find(c.name))];
  };
  switch (op.op) {
    case 'dedupe':
      if (op.keys.length === 0) report('no key columns');
      need(op.keys, 'key column');
      return before;
    case 'fillNull':
      need(Object.keys(op.values), 'column');
      for (const [name, value] of Object.entries(op.values)) {
        const type = find(name)?.type;
        if (type !== undefined && !fits(type, value))
          report(`column ${name} is ${type}; ${JSON.stringify(value)} does not fit it`);
      }
      return before;
    case 'text':
      need(op.columns, 'column');
      for (const name of op.columns) {
        const type = find(name)?.type;
        if (type !== undefined && type !== 'string' && type !== 'unknown')
          report(`column ${name} is ${type}, not string`);
      }
      return before;
    case 'parse':
      need(Object.keys(op.columns), 'column');
      return withColumns(Object.entries(op.columns).map(([name, type]) => ({ name, type })));
    case 'derive':
      return withColumns(
        Object.entries(op.columns).map(([name, expr]) => {
          if (!NAME.test(name))
            report(`column name ${JSON.stringify(name)}: lower-case letters, digits and _`);
          if (isTimePart(expr)) {
            const source = find(expr.column);
            if (!source)
              report(
                `column ${expr.column} does not exist (columns: ${before.map((c) => c.name).join(', ')})`,
              );
            else if (source.type !== 'datetime' && source.type !== 'date' && source.type !== 'unknown') {
              report(`column ${expr.column} is ${source.type}, not datetime`);
            }
            const type = TIME_PART_TYPES[expr.part];
            if (type === undefined)
              report(
                `column ${name}: unknown time part ${JSON.stringify(expr.part)} (parts: ${Object.keys(TIME_PART_TYPES).join(', ')})`,
              );
            return { name, type: type ?? 'string' };
          }
          if (typeof expr !== 'function') report(`column ${name}: expected a function or a time part`);
          return { name, type: 'unknown' as const };
        }),
      );
    case 'filter':
      if (typeof op.predicate !== 'function') report('expected a predicate function');
      return before;
    case 'apply':
      if (typeof op.fn !== 'function') report('expected a row function');
      for (const [name, type] of Object.entries(op.columns)) {
        if (!NAME.test(name)) report(`column name ${JSON.stringify(name)}: lower-case letters, digits and _`);
        if (!COLUMN_TYPES.includes(type)) report(`column ${name}: unknown type ${JSON.stringify(type)}`);
      }
      return withColumns(columnsOf(op.columns));
    case 'lookup':
      return lookupColumns(op, before, sources, report, find);
    case 'write':
      if (op.partition !== 'date')
        report(
          `partition ${JSON.stringify(op.partition)}: datasets are partitioned by the run's date ('date')`,
        );
      // `?? 'csv'`: a definition written in JavaScript may build the op without one.
      if (!DATASET_FORMATS.includes(op.format ?? 'csv'))
        report(`format ${JSON.stringify(op.format)}: ${DATASET_FORMATS.join(' or ')}`);
      return before;
    case 'aggregate': {
      if (op.by.length === 0) report('no group-by columns');
      need(op.by, 'group-by column');
      const measures = Object.entries(op.measures).map(([name, measure]): PlanColumn => {
        if (!NAME.test(name))
          report(`measure name ${JSON.stringify(name)}: lower-case letters, digits and _`);
        if (!MEASURES.has(measure?.fn)) {
          report(
            `measure ${name}: unknown function ${JSON.stringify(measure?.fn)} (functions: ${[...MEASURES].join(', ')})`,
          );
          return { name, type: 'float' };
        }
        if (measure.column !== undefined) {
          const column = find(measure.column);
          if (!column)
            report(
              `measure ${name}: column ${measure.column} does not exist (columns: ${before.map((c) => c.name).join(', ')})`,
            );
          else if (NUMERIC_MEASURES.has(measure.fn) && !maybeNumeric(column)) {
            report(
              `measure ${name}: ${measure.fn} over column ${measure.column}, which is ${column.type}, not numeric`,
            );
          }
        } else if (measure.fn !== 'count') report(`measure ${name}: ${measure.fn} needs a column`);
        if (op.by.includes(name)) report(`measure ${name} has the name of a group-by column`);
        return { name, type: measure.fn === 'count' || measure.fn === 'countDistinct' ? 'int' : 'float' };
      });
      return [...op.by.map((name) => find(name) ?? { name, type: 'unknown' as const }), ...measures];
    }
    default:
      report(`unknown operation ${JSON.stringify((op as { op: unknown }).op)}`);
      return before;
  }
}

function lookupColumns(
  op: Extract<Op, { op: 'lookup' }>,
  before: PlanColumn[],
  sources: Sources,
  report: (message: string) => void,
  find: (name: string) => PlanColumn | undefined,
): PlanColumn[] {
  const dimension = sources[op.dimension];
  if (dimension?.kind !== 'dimension') {
    report(`${JSON.stringify(op.dimension)} is not a dimension source`);
    return before;
  }
  const on = op.on.length > 0 ? op.on : [...dimension.key];
  if (on.length !== dimension.key.length) {
    report(
      `on: ${on.length} column(s) for the ${dimension.key.length}-column key of ${op.dimension} (${dimension.key.join(', ')})`,
    );
  }
  for (const name of on)
    if (!find(name))
      report(`on: column ${name} does not exist (columns: ${before.map((c) => c.name).join(', ')})`);
  const added: PlanColumn[] = [];
  if (new Set(op.take).size !== op.take.length) report('take: a column is named twice');
  for (const name of new Set(op.take)) {
    const type = dimension.schema[name];
    if (type === undefined) report(`take: ${op.dimension} has no column ${name}`);
    else if (dimension.key.includes(name)) report(`take: ${name} is ${op.dimension}'s key`);
    else if (find(name)) report(`take: column ${name} exists already (rename it first)`);
    else added.push({ name, type });
  }
  return [...before, ...added];
}

/** Whether a fill value suits a column of `type`. */
function fits(type: PlanColumn['type'], value: unknown): boolean {
  if (type === 'unknown') return value !== null && value !== undefined;
  if (isNumericType(type)) return typeof value === 'number';
  if (type === 'bool') return typeof value === 'boolean';
  return typeof value === 'string';
}
