/** The sources of sales_etl (the repository's notebook pipeline) a bad input can replace. */
export type SourceName = 'transactions' | 'customers' | 'products';

/**
 * The bad inputs of `bad-input.test.ts`: one run each, with the error code the run must fail with
 * and the row and column its message must name (where they apply).
 */

/** The date every bad-input run re-runs (it has good outputs first). */
export const DATE = '2024-06-10';
/** The transactions header. */
export const H = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
type Fields = Partial<Record<'date' | 'timestamp' | 'quantity' | 'unitPrice', string>>;
const row = (n: number, fields: Fields = {}) =>
  [
    `T${n}`,
    fields.timestamp ?? `${fields.date ?? DATE} 1${n % 10}:00:00`,
    'CUST1001',
    'Widget A',
    fields.quantity ?? '2',
    fields.unitPrice ?? '10.5',
    'EU',
    '21',
  ].join(',');
/** `n` good transaction rows on `date`. */
export const rows = (n: number, date: string) =>
  Array.from({ length: n }, (_, i) => row(i + 1, { date })).join('\n');
const CUSTOMERS = 'customer_id,customer_name,segment,join_date,lifetime_value';

/** One bad input: which source it replaces, the file, and what the run must fail with. */
export interface Case {
  name: string;
  source?: SourceName;
  /**
   * File name (its extension picks the reader) and content: a missing file when content is null, a
   * key in the lake (that does not exist) for `lake`.
   */
  file: string;
  content: string | Buffer | null | 'fifo' | 'dir' | 'lake';
  code: string;
  /** Row and column the message must name, where they apply. */
  at?: { row?: number; column?: string };
}

/** Every bad input, one run each. */
export const CASES: Case[] = [
  {
    name: 'unclosed quote',
    file: 'quote.csv',
    content: `${H}\n${row(1)}\nT2,"${DATE} 11:00:00,C,W,1,1,EU,1\n`,
    code: 'MALFORMED_CSV',
    at: { row: 2 },
  },
  {
    name: 'ragged row',
    file: 'ragged.csv',
    content: `${H}\n${row(1)}\nT2,${DATE} 11:00:00,C,W,1\n`,
    code: 'MALFORMED_CSV',
    at: { row: 2 },
  },
  {
    name: 'wrong delimiter',
    file: 'semicolon.csv',
    content: `${H.replaceAll(',', ';')}\n${row(1).replaceAll(',', ';')}\n`,
    code: 'MISSING_COLUMNS',
  },
  { name: 'empty file', file: 'empty.csv', content: '', code: 'EMPTY_FILE' },
  { name: 'header only', file: 'header.csv', content: `${H}\n`, code: 'NO_ROWS' },
  {
    name: 'non-UTF-8 bytes',
    file: 'latin1.csv',
    content: Buffer.concat([
      Buffer.from(`${H}\n${row(1)}\nT2,${DATE} 11:00:00,C,Caf`),
      Buffer.from([0xe9]),
      Buffer.from(',1,1,EU,1\n'),
    ]),
    code: 'INVALID_ENCODING',
  },
  {
    name: 'a field of many megabytes',
    file: 'huge.csv',
    content: `${H}\n${row(1)}\nT2,${DATE} 11:00:00,C,${'W'.repeat(6 * 1024 * 1024)},1,1,EU,1\n`,
    code: 'MALFORMED_CSV',
    at: { row: 2 },
  },
  {
    name: 'non-numeric quantity',
    file: 'text-number.csv',
    content: `${H}\n${row(1)}\n${row(2, { quantity: 'two' })}\n`,
    code: 'INVALID_VALUE',
    at: { row: 2, column: 'quantity' },
  },
  {
    name: 'non-finite price',
    file: 'inf.csv',
    content: `${H}\n${row(1, { unitPrice: 'inf' })}\n`,
    code: 'INVALID_VALUE',
    at: { row: 1, column: 'unit_price' },
  },
  {
    name: 'overflowing price',
    file: 'overflow.csv',
    content: `${H}\n${row(1)}\n${row(2)}\n${row(3, { unitPrice: '1e999' })}\n`,
    code: 'INVALID_VALUE',
    at: { row: 3, column: 'unit_price' },
  },
  {
    name: 'unparseable timestamp',
    file: 'bad-time.csv',
    content: `${H}\n${row(1, { timestamp: '2024-06-10 25:61:00' })}\n`,
    code: 'INVALID_VALUE',
    at: { row: 1, column: 'timestamp' },
  },
  {
    name: 'timestamp outside the run date',
    file: 'other-day.csv',
    content: `${H}\n${row(1)}\n${row(2, { timestamp: '2024-06-11 00:00:01' })}\n`,
    code: 'OUT_OF_PARTITION',
    at: { row: 2, column: 'timestamp' },
  },
  {
    name: 'missing required columns',
    file: 'missing.csv',
    content: `transaction_id,timestamp,product\nT1,${DATE} 10:00:00,W\n`,
    code: 'MISSING_COLUMNS',
  },
  {
    name: 'duplicate header names',
    file: 'dup-header.csv',
    content: `${H},quantity\n${row(1)},3\n`,
    code: 'DUPLICATE_COLUMNS',
  },
  {
    name: 'JSON object, not an array',
    file: 'object.json',
    content: '{"transaction_id": "T1"}',
    code: 'MALFORMED_JSON',
  },
  {
    name: 'JSON array of numbers',
    file: 'numbers.json',
    content: '[1, 2]',
    code: 'MALFORMED_JSON',
    at: { row: 1 },
  },
  {
    name: 'JSON nested value',
    file: 'nested.json',
    content: `[{"transaction_id": "T1", "timestamp": {"at": 1}, "customer_id": "C", "product": "W", "quantity": 1}]`,
    code: 'UNSUPPORTED_VALUE',
    at: { row: 1, column: 'timestamp' },
  },
  {
    name: 'NDJSON bad line',
    file: 'bad.ndjson',
    content: `{"transaction_id": "T1"}\n{"transaction_id": \n`,
    code: 'MALFORMED_JSON',
    at: { row: 2 },
  },
  { name: 'file that does not exist', file: 'nowhere.csv', content: null, code: 'NOT_FOUND' },
  {
    name: 'lake object that does not exist',
    file: 'incoming/missing.csv',
    content: 'lake',
    code: 'NOT_FOUND',
  },
  { name: 'a directory', file: 'a-dir.csv', content: 'dir', code: 'NOT_A_FILE' },
  { name: 'a named pipe nobody writes', file: 'pipe.csv', content: 'fifo', code: 'NOT_A_FILE' },
  {
    name: 'customers with duplicate keys',
    source: 'customers',
    file: 'dup-customers.csv',
    content: `${CUSTOMERS}\nCUST1001,A,Gold,2021-01-01,10\nCUST1002,B,Gold,2021-01-01,10\nCUST1001,C,Gold,2021-01-01,10\n`,
    code: 'DUPLICATE_KEY',
    at: { row: 3, column: 'customer_id' },
  },
  {
    name: 'products with duplicate keys',
    source: 'products',
    file: 'dup-products.csv',
    content: 'product,category,cost,active\nWidget A,Hardware,25,true\nWidget A,Hardware,26,true\n',
    code: 'DUPLICATE_KEY',
    at: { row: 2, column: 'product' },
  },
];
