import type { Schema } from '../definition/schema.ts';
import type { Source } from '../definition/sources.ts';
import { InputError } from '../errors.ts';
import { type CsvTable, DEFAULT_BATCH, type RowBatch } from '../lake/csv.ts';
import { assertIsoDate } from '../lake/keys.ts';
import { createRng } from '../sources/random.ts';
import { formatValue } from '../sources/values.ts';

/** What a run asks of a source's generator. */
export interface GenerateRequest {
  /** The run's date, `YYYY-MM-DD`. */
  date: string;
  /** Rows to generate; default the generator's `defaultRecords` (else 1000). */
  records?: number;
  /** Default 42, the notebook's. */
  seed?: number;
  /** The generator's own options, validated by its `options` schema. */
  options?: Readonly<Record<string, unknown>>;
  /** Rows per batch; default 512. */
  batchSize?: number;
}

const DEFAULT_RECORDS = 1000;

/**
 * Runs a source's seeded generator as a streamed table of text fields, laid out as its schema and
 * written as the landing CSV holds them (numbers as pandas writes floats, nulls empty).
 * @throws InputError `NO_GENERATOR`, `INVALID_OPTIONS` (a bad record count or option, naming it)
 */
export function generateTable(name: string, source: Source, request: GenerateRequest): CsvTable {
  const date = assertIsoDate(request.date);
  const generator = source.generate;
  if (!generator) {
    throw new InputError(`source ${name} has no generator: give its rows as a file or lake object`, {
      code: 'NO_GENERATOR',
      location: { source: name },
    });
  }
  const records = request.records ?? generator.defaultRecords ?? DEFAULT_RECORDS;
  if (!Number.isSafeInteger(records) || records < 0) {
    throw new InputError(`records must be a non-negative integer, got ${records}`, {
      code: 'INVALID_OPTIONS',
      location: { source: name },
    });
  }
  const options = parseOptions(name, generator.options, request.options ?? {});
  const seed = request.seed ?? 42;
  const header = Object.keys(source.schema);
  const rows = () =>
    generator.rows({
      date,
      records,
      seed,
      options,
      rng: (...names: string[]) => createRng(seed, name, date, ...names),
    });
  return { header, batches: inBatches(rows, source.schema, request.batchSize ?? DEFAULT_BATCH) };
}

function parseOptions(
  name: string,
  schema:
    | {
        safeParse(value: unknown): {
          success: boolean;
          data?: unknown;
          error?: { issues: { path: PropertyKey[]; message: string }[] };
        };
      }
    | undefined,
  given: Readonly<Record<string, unknown>>,
): unknown {
  if (!schema) {
    const names = Object.keys(given);
    if (names.length === 0) return {};
    throw new InputError(`source ${name}'s generator takes no options; got ${names.join(', ')}`, {
      code: 'INVALID_OPTIONS',
      location: { source: name },
    });
  }
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  const problems = (parsed.error?.issues ?? []).map(
    (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
  );
  throw new InputError(`invalid generator options for ${name}: ${problems.join('; ')}`, {
    code: 'INVALID_OPTIONS',
    location: { source: name },
  });
}

async function* inBatches(
  rows: () => Iterable<Readonly<Record<string, unknown>>>,
  schema: Schema,
  size: number,
): AsyncGenerator<RowBatch> {
  const columns = Object.keys(schema);
  let batch: RowBatch = [];
  for (const row of rows()) {
    const cells = new Array<string>(columns.length);
    for (let c = 0; c < columns.length; c++) cells[c] = formatValue(row[columns[c] as string] as never);
    batch.push(cells);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
