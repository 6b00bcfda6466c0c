import type { ColumnType } from '../definition/schema.ts';
import type { DatasetCheck, SchemaChange } from './checks.ts';
import type { ObservedType } from './column-profile.ts';
import type { HistoryEntry } from './history.ts';
import type { CheckOutcome } from './report.ts';
import { durationThresholdSchema, reachesAmount, reachesDuration, thresholdSchema } from './thresholds.ts';

/** How a dataset check ended, what it measured, and that in words. */
export type DatasetOutcome =
  | { outcome: CheckOutcome; value: number | null; detail: string }
  | { error: string };

/** What the dataset checks of a run look at. */
export interface DatasetFacts {
  /** The run's date, `YYYY-MM-DD`. */
  date: string;
  rows: number;
  header: readonly string[];
  /** Each column's type as its values showed it. */
  observed: Readonly<Record<string, ObservedType | 'unknown'>>;
  /** The latest time of a column (epoch ms), for freshness. */
  latest: (column: string) => number | undefined;
  /** The latest run of each earlier date, oldest first. */
  history: readonly HistoryEntry[];
  /** The dataset's columns as the definition declares them (`unknown`: a function's result). */
  declared?: readonly { name: string; type: ColumnType | 'unknown' }[];
}

const HOUR_MS = 3_600_000;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Evaluates a dataset check over what the run saw. */
export function evaluateDatasetCheck(check: DatasetCheck, facts: DatasetFacts): DatasetOutcome {
  switch (check.kind) {
    case 'row_count': {
      const { min, max } = check;
      const outside = (min !== undefined && facts.rows < min) || (max !== undefined && facts.rows > max);
      const expected = `[${min ?? '0'}, ${max ?? '∞'}]`;
      return {
        outcome: outside ? (check.severity ?? 'error') : 'pass',
        value: facts.rows,
        detail: `${facts.rows} rows, expected ${expected}`,
      };
    }
    case 'row_count_change': {
      const earlier = facts.history.slice(-(check.runs ?? 3));
      if (earlier.length === 0)
        return { outcome: 'pass', value: null, detail: 'no earlier runs to compare with' };
      const mean = earlier.reduce((sum, entry) => sum + entry.rowCount, 0) / earlier.length;
      const difference = Math.abs(facts.rows - mean);
      const reached = (text: string | undefined) =>
        text !== undefined && reachesAmount(thresholdSchema.parse(text), difference, mean);
      const change = mean === 0 ? (facts.rows === 0 ? 0 : 100) : ((facts.rows - mean) / mean) * 100;
      const dates = earlier.map((entry) => entry.date).join(', ');
      return {
        outcome: reached(check.error) ? 'error' : reached(check.warn) ? 'warn' : 'pass',
        value: round2(change),
        detail: `${facts.rows} rows against a mean of ${round2(mean)} over ${earlier.length} ${earlier.length === 1 ? 'run' : 'runs'} (${dates}): ${change >= 0 ? '+' : ''}${round2(change)}%`,
      };
    }
    case 'freshness': {
      if (!facts.header.includes(check.column)) return { error: `column ${check.column} not found` };
      const latest = facts.latest(check.column);
      if (latest === undefined) return { error: `column ${check.column} has no time values` };
      const end = Date.parse(`${facts.date}T00:00:00Z`) + 24 * HOUR_MS;
      const lag = end - latest;
      const reached = (text: string | undefined) =>
        text !== undefined && reachesDuration(durationThresholdSchema.parse(text), lag);
      return {
        outcome: reached(check.error) ? 'error' : reached(check.warn) ? 'warn' : 'pass',
        value: round2(lag / HOUR_MS),
        detail: `latest ${check.column} ${new Date(latest).toISOString().slice(0, 19).replace('T', ' ')}, ${round2(lag / HOUR_MS)} h before the end of ${facts.date}`,
      };
    }
    case 'schema':
      return schemaOutcome(check, facts);
  }
}

/** A column whose type changed, or that came or went, against what and how. */
interface Change {
  kind: SchemaChange;
  column: string;
  against: 'declared' | 'previous run';
  text: string;
}

function schemaOutcome(
  check: Extract<DatasetCheck, { kind: 'schema' }>,
  facts: DatasetFacts,
): DatasetOutcome {
  const changes: Change[] = [];
  if (facts.declared) {
    const declared = facts.declared.map((column) => ({ name: column.name, type: column.type as string }));
    changes.push(...compare(declared, facts, 'declared'));
  }
  const previous = facts.history.at(-1);
  if (previous) {
    const columns = Object.entries(previous.columns).map(([name, type]) => ({ name, type }));
    changes.push(...compare(columns, facts, 'previous run'));
  }
  const errors = new Set(check.error ?? ['removed', 'retyped']);
  const warnings = new Set(check.warn ?? ['added']);
  const outcome: CheckOutcome = changes.some((change) => errors.has(change.kind))
    ? 'error'
    : changes.some((change) => warnings.has(change.kind))
      ? 'warn'
      : 'pass';
  const detail =
    changes.length === 0
      ? `${facts.header.length} columns as ${facts.declared ? 'declared' : 'before'}${previous ? ` and as in ${previous.runId}` : ''}`
      : changes.map((change) => `${change.text} (against the ${change.against})`).join('; ');
  return { outcome, value: changes.length, detail };
}

/** Changes of the dataset's columns against an earlier list (`unknown` and `empty` types match anything). */
function compare(
  before: readonly { name: string; type: string }[],
  facts: DatasetFacts,
  against: Change['against'],
): Change[] {
  const changes: Change[] = [];
  const names = new Set(before.map((column) => column.name));
  for (const column of before) {
    if (!facts.header.includes(column.name)) {
      changes.push({ kind: 'removed', column: column.name, against, text: `${column.name} removed` });
      continue;
    }
    const now = facts.observed[column.name] ?? 'empty';
    if (!compatible(column.type, now, against))
      changes.push({
        kind: 'retyped',
        column: column.name,
        against,
        text: `${column.name} ${column.type} → ${now}`,
      });
  }
  for (const name of facts.header)
    if (!names.has(name)) changes.push({ kind: 'added', column: name, against, text: `${name} added` });
  return changes;
}

/**
 * Whether values of type `now` fit a column of type `before`: a declared string holds any text, a
 * float holds ints, a datetime holds dates; an empty column or a function's result fits anything.
 */
function compatible(before: string, now: ObservedType | 'unknown', against: Change['against']): boolean {
  if (now === 'empty' || now === 'unknown' || before === 'empty' || before === 'unknown' || before === now)
    return true;
  if (against === 'declared' && before === 'string') return true;
  if (before === 'float' && now === 'int') return true;
  if (against === 'previous run' && before === 'int' && now === 'float') return false;
  return before === 'datetime' && now === 'date';
}
