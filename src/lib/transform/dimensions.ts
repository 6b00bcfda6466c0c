import { InputError } from '../errors.ts';
import type { RowBatch } from '../lake/csv.ts';
import { CUSTOMER_INPUT, columnIndices, PRODUCT_INPUT } from './columns.ts';
import { isNull, readNumber } from './pandas-text.ts';

/**
 * A dimension table keyed for the seed's left joins. pandas' `merge` matches a null key with a null
 * key, so a null key gets its own slot (`nullRow`) instead of never matching.
 */
interface KeyedTable {
  /** Row number by key text. */
  index: Map<string, number>;
  /** Row of the null key, -1 when there is none. */
  nullRow: number;
  rows: number;
}

/** The customer columns the join appends, with the seed's `fillna` already applied. */
export interface CustomerTable extends KeyedTable {
  /** `segment`, `'Unknown'` when null. */
  segment: string[];
  /** `lifetime_value` as written, `'0'` when null. */
  lifetimeValue: string[];
}

/** The product columns the join appends. */
export interface ProductTable extends KeyedTable {
  /** `category` as written; `categoryIsNull` says whether pandas reads it as NaN. */
  category: string[];
  categoryIsNull: Uint8Array;
  /** `cost` as written, and as a number (NaN when null). */
  costText: string[];
  cost: Float64Array;
}

/**
 * Builds the customer table from its rows.
 * @throws InputError `MISSING_COLUMN`, `DUPLICATE_KEY` (a duplicate would fan out the join)
 */
export function buildCustomerTable(header: readonly string[], rows: RowBatch, key: string): CustomerTable {
  const col = columnIndices(header, CUSTOMER_INPUT, key);
  const table: CustomerTable = {
    index: new Map(),
    nullRow: -1,
    rows: rows.length,
    segment: [],
    lifetimeValue: [],
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as string[];
    addKey(table, row[col.customer_id] as string, i, { key, source: 'customers', column: 'customer_id' });
    const segment = row[col.segment] as string;
    const lifetimeValue = row[col.lifetime_value] as string;
    table.segment.push(isNull(segment) ? 'Unknown' : segment);
    table.lifetimeValue.push(isNull(lifetimeValue) ? '0' : lifetimeValue);
  }
  return table;
}

/**
 * Builds the product table from its rows.
 * @throws InputError `MISSING_COLUMN`, `DUPLICATE_KEY`, `INVALID_NUMBER` (a text cost makes pandas'
 * profit arithmetic fail)
 */
export function buildProductTable(header: readonly string[], rows: RowBatch, key: string): ProductTable {
  const col = columnIndices(header, PRODUCT_INPUT, key);
  const table: ProductTable = {
    index: new Map(),
    nullRow: -1,
    rows: rows.length,
    category: [],
    categoryIsNull: new Uint8Array(rows.length),
    costText: [],
    cost: new Float64Array(rows.length),
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as string[];
    addKey(table, row[col.product] as string, i, { key, source: 'products', column: 'product' });
    const category = row[col.category] as string;
    const costText = row[col.cost] as string;
    const cost = readNumber(costText);
    if (cost === undefined) {
      throw new InputError(`cost ${JSON.stringify(costText)} is not a number`, {
        code: 'INVALID_NUMBER',
        location: { source: 'products', key, row: i + 1, column: 'cost' },
      });
    }
    table.category.push(category);
    table.categoryIsNull[i] = isNull(category) ? 1 : 0;
    table.costText.push(costText);
    table.cost[i] = cost;
  }
  return table;
}

function addKey(
  table: KeyedTable,
  value: string,
  row: number,
  location: { key: string; source: string; column: string },
): void {
  const isNullKey = isNull(value);
  const previous = isNullKey ? table.nullRow : (table.index.get(value) ?? -1);
  if (previous >= 0) {
    const shown = isNullKey ? 'null' : JSON.stringify(value);
    throw new InputError(`duplicate ${location.column} ${shown} (rows ${previous + 1} and ${row + 1})`, {
      code: 'DUPLICATE_KEY',
      location: { ...location, row: row + 1 },
    });
  }
  if (isNullKey) table.nullRow = row;
  else table.index.set(value, row);
}

/** The dimension row a transaction joins: by key text, or the null-key row for a null key. */
export function lookup(table: KeyedTable, value: string, valueIsNull: boolean): number {
  return valueIsNull ? table.nullRow : (table.index.get(value) ?? -1);
}
