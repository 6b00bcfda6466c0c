import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { SchemaValidator, validateTable } from '../../src/lib/ingest/validate.ts';
import type { CsvTable } from '../../src/lib/lake/csv.ts';
import { salesSource } from '../helpers/sales-etl.ts';

const DATE = '2024-01-15';
const TX_HEADER = Object.keys(salesSource('transactions').schema);
const txRow = (overrides: Partial<Record<string, string>> = {}, i = 0): string[] => {
  const values: Record<string, string> = {
    transaction_id: `TXN20240115${String(i).padStart(6, '0')}`,
    timestamp: '2024-01-15 10:20:30',
    customer_id: 'CUST1234',
    product: 'Widget A',
    quantity: '3',
    unit_price: '12.5',
    region: 'EU',
    total_amount: '37.5',
    ...overrides,
  };
  return TX_HEADER.map((column) => values[column] as string);
};

function table(header: string[], rows: string[][], batchSize = 2): CsvTable {
  async function* batches() {
    for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
  }
  return { header, batches: batches() };
}

const validateTx = (rows: string[][], header = TX_HEADER) =>
  validateTable(table(header, rows), 'transactions', salesSource('transactions'), {
    date: DATE,
    location: { key: 'in/tx.csv' },
  });

/** Runs `promise`, expects an InputError and returns it for further checks. */
async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).retryable).toBe(false);
  return error as InputError;
}

describe('SchemaValidator: header', () => {
  it('refuses missing required columns, naming them', async () => {
    const header = TX_HEADER.filter((column) => column !== 'quantity' && column !== 'customer_id');
    const error = await inputError(validateTx([], header));
    expect(error.code).toBe('MISSING_COLUMNS');
    expect(error.message).toBe(
      'Missing required columns: customer_id, quantity (source transactions, object in/tx.csv)',
    );
  });

  it.each([
    [';', "';'"],
    ['\t', 'a tab'],
    ['|', "'|'"],
  ])('hints at a wrong delimiter when the header is one column holding %j', async (delimiter, named) => {
    const error = await inputError(validateTx([], [TX_HEADER.join(delimiter)]));
    expect(error.code).toBe('MISSING_COLUMNS');
    expect(error.message).toContain(`is the file delimited by ${named} instead of ','?`);
  });

  it('warns about unexpected and absent optional columns', async () => {
    const header = [...TX_HEADER.filter((column) => column !== 'region'), 'channel', 'note'];
    const rows = [[...txRow().filter((_, i) => TX_HEADER[i] !== 'region'), 'web', '']];
    const summary = await validateTx(rows, header);
    expect(summary).toEqual({
      valid: true,
      errors: [],
      warnings: ['Unexpected columns: channel, note', 'Missing optional columns: region'],
      rowCount: 1,
      columnCount: 9,
    });
  });
});

describe('SchemaValidator: rows', () => {
  it("counts nulls in required columns with the seed's wording, pandas' null strings included", async () => {
    const rows = [
      txRow({ customer_id: '' }, 0),
      txRow({ customer_id: 'NULL', product: 'NA' }, 1),
      txRow({ region: '' }, 2),
      txRow({ quantity: 'nan' }, 3),
    ];
    const summary = await validateTx(rows);
    expect(summary.rowCount).toBe(4);
    expect(summary.warnings).toEqual([
      "Column 'customer_id' has 2 null values",
      "Column 'product' has 1 null values",
      "Column 'quantity' has 1 null values",
    ]);
  });

  it.each([
    ['quantity', 'abc', 'int'],
    ['quantity', '2.5', 'int'],
    ['unit_price', '1,5', 'float'],
    ['unit_price', 'inf', 'float'],
    ['unit_price', 'NAN', 'float'],
    ['total_amount', '-Infinity', 'float'],
    ['timestamp', '2024-01-15 25:00:00', 'datetime'],
    ['timestamp', 'yesterday', 'datetime'],
  ])('refuses %s = %j, naming source, object, row, column and text', async (column, text, type) => {
    const rows = [txRow({}, 0), txRow({}, 1), txRow({ [column]: text }, 2)];
    const error = await inputError(validateTx(rows));
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.location).toEqual({ source: 'transactions', key: 'in/tx.csv', row: 3, column });
    expect(error.message).toBe(
      `invalid ${type} value ${JSON.stringify(text)} (source transactions, object in/tx.csv, row 3, column ${column})`,
    );
  });

  it('accepts whole numbers written as floats in an int column', async () => {
    const summary = await validateTx([txRow({ quantity: '3.0' }), txRow({ quantity: ' 4 ' }, 1)]);
    expect(summary.rowCount).toBe(2);
  });

  it('shows at most 80 characters of a bad value', async () => {
    const error = await inputError(validateTx([txRow({ unit_price: 'x'.repeat(200) })]));
    expect(error.message).toContain(`"${'x'.repeat(80)}…"`);
    expect(error.message).not.toContain('x'.repeat(81));
  });

  it('checks booleans and datetimes in dimension columns', async () => {
    const products = (active: string) =>
      validateTable(
        table(['product', 'category', 'cost', 'active'], [['Widget A', 'Hardware', '25', active]]),
        'products',
        salesSource('products'),
        { date: DATE },
      );
    expect((await products('True')).rowCount).toBe(1);
    const error = await inputError(products('yes'));
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.location).toEqual({ source: 'products', row: 1, column: 'active' });

    const customers = table(
      ['customer_id', 'segment', 'join_date'],
      [
        ['CUST1000', 'Gold', '2021-03-04'],
        ['CUST1001', 'Gold', '2021-02-30'],
      ],
    );
    const dateError = await inputError(
      validateTable(customers, 'customers', salesSource('customers'), { date: DATE }),
    );
    expect(dateError.code).toBe('INVALID_VALUE');
    expect(dateError.location).toEqual({ source: 'customers', row: 2, column: 'join_date' });
  });

  it("refuses a transaction whose timestamp is not on the run's date", async () => {
    const rows = [txRow({}, 0), txRow({ timestamp: '2024-01-16 00:00:01' }, 1)];
    const error = await inputError(validateTx(rows));
    expect(error.code).toBe('OUT_OF_PARTITION');
    expect(error.location).toMatchObject({ row: 2, column: 'timestamp' });
    expect(error.message).toContain('"2024-01-16 00:00:01" is not on the run\'s date 2024-01-15');
  });

  it('refuses a duplicate key in a dimension, but not repeated transaction ids (cleaning drops those)', async () => {
    const customers = table(
      ['customer_id', 'segment'],
      [
        ['CUST1000', 'Gold'],
        ['CUST1001', 'Silver'],
        ['CUST1000', 'Bronze'],
      ],
    );
    const error = await inputError(
      validateTable(customers, 'customers', salesSource('customers'), { date: DATE }),
    );
    expect(error.code).toBe('DUPLICATE_KEY');
    expect(error.location).toEqual({ source: 'customers', row: 3, column: 'customer_id' });

    const summary = await validateTx([txRow({}, 0), txRow({}, 0)]);
    expect(summary.rowCount).toBe(2);
  });

  it('refuses a header without rows', async () => {
    expect((await inputError(validateTx([]))).code).toBe('NO_ROWS');
    const customers = table(['customer_id', 'segment'], []);
    expect(
      (await inputError(validateTable(customers, 'customers', salesSource('customers'), { date: DATE })))
        .code,
    ).toBe('NO_ROWS');
  });

  it('counts rows across batches', () => {
    const validator = new SchemaValidator('transactions', salesSource('transactions'), { date: DATE });
    validator.checkHeader(TX_HEADER);
    validator.checkRows([txRow({}, 0), txRow({}, 1)]);
    validator.checkRows([txRow({ customer_id: '' }, 2)]);
    expect(validator.finish()).toEqual({
      valid: true,
      errors: [],
      warnings: ["Column 'customer_id' has 1 null values"],
      rowCount: 3,
      columnCount: 8,
    });
  });
});

describe('SchemaValidator: time zones of event times', () => {
  const times = (...timestamps: string[]) => timestamps.map((timestamp, i) => txRow({ timestamp }, i));

  it.each([
    [
      'an offset, then a naive time',
      ['2024-01-15 10:00:00+01:00', '2024-01-15 11:00:00+01:00', '2024-01-15 12:00:00'],
      3,
      'is naive (no UTC offset), but the first (row 1) is at UTC offset +01:00',
    ],
    [
      'a naive time, then an offset',
      ['2024-01-15 10:00:00', '2024-01-15T11:00:00Z'],
      2,
      'is at UTC offset +00:00, but the first (row 1) is naive (no UTC offset)',
    ],
    [
      'two offsets',
      ['2024-01-15 10:00:00+01:00', '2024-01-15 11:00:00-05:30'],
      2,
      'is at UTC offset -05:30, but the first (row 1) is at UTC offset +01:00',
    ],
  ])('refuses %s as MIXED_TIMEZONES, naming the row and column', async (_, timestamps, row, said) => {
    const error = await inputError(validateTx(times(...timestamps)));
    expect(error.code).toBe('MIXED_TIMEZONES');
    expect(error.location).toEqual({ source: 'transactions', key: 'in/tx.csv', row, column: 'timestamp' });
    expect(error.message).toContain(`event time ${JSON.stringify(timestamps[row - 1])} ${said}`);
    expect(error.message).toContain(`row ${row}, column timestamp`);
  });

  it('finds the mix in a later batch, past null times', async () => {
    const rows = times(
      '',
      '2024-01-15 10:00:00+02:00',
      'NaN',
      '2024-01-15 10:30:00+0200',
      '2024-01-15 11:00:00',
    );
    const error = await inputError(validateTx(rows));
    expect(error.code).toBe('MIXED_TIMEZONES');
    expect(error.location).toMatchObject({ row: 5, column: 'timestamp' });
    expect(error.message).toContain('the first (row 2) is at UTC offset +02:00');
  });

  it('accepts times that share one offset (Z and +00:00 are one) or are all naive', async () => {
    expect((await validateTx(times('2024-01-15 10:00:00Z', '2024-01-15T11:00:00+00:00'))).rowCount).toBe(2);
    expect(
      (await validateTx(times('2024-01-15 10:00:00+01:00', '2024-01-15 12:00:00 +01:00'))).rowCount,
    ).toBe(2);
    expect((await validateTx(times('2024-01-15 10:00:00', '2024-01-15T11:00', '2024-01-15'))).rowCount).toBe(
      3,
    );
  });

  it('leaves other datetime columns and dimensions alone', async () => {
    const customers = table(
      ['customer_id', 'segment', 'join_date'],
      [
        ['CUST1000', 'Gold', '2021-03-04 10:00:00+01:00'],
        ['CUST1001', 'Gold', '2021-03-04 10:00:00'],
      ],
    );
    const summary = await validateTable(customers, 'customers', salesSource('customers'), { date: DATE });
    expect(summary.rowCount).toBe(2);
  });
});
