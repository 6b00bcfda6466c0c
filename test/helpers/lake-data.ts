import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { openDataset } from '../../src/lib/lake/dataset-reader.ts';

/** Every row of a lake object, CSV or Parquet, as the text the CSV writer writes. */
export async function datasetRows(
  lake: DataLake,
  key: string,
): Promise<{ header: string[]; rows: string[][] }> {
  const table = await openDataset(lake, key);
  const rows: string[][] = [];
  for await (const batch of table.batches) rows.push(...batch.map((row) => [...row]));
  return { header: table.header, rows };
}

type Row = Record<string, unknown>;

/** Runs `fn` with a query function over an in-memory DuckDB (`@duckdb/node-api`), closed after. */
export async function withDuckDb<T>(fn: (query: (sql: string) => Promise<Row[]>) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return await fn(async (sql) => (await connection.runAndReadAll(sql)).getRowObjects() as Row[]);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
