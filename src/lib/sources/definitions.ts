import { z } from 'zod';

/** Column types a source schema can declare; ingestion checks every value against them. */
export type ColumnType = 'string' | 'int' | 'float' | 'bool' | 'datetime' | 'date';

/** A source as the seed's `DataSource`: its schema, the columns that must be present, how often it refreshes. */
export interface SourceDefinition {
  name: SourceName;
  sourceType: 'stream' | 'database' | 'file' | 'api';
  /** Expected columns, in order, with their types. */
  schema: Readonly<Record<string, ColumnType>>;
  /** Columns that must be present; nulls in them are warnings. */
  requiredColumns: readonly string[];
  refreshFrequency: 'hourly' | 'daily' | 'weekly';
  /** Column with each row's event time; rows must fall on the run's date. Only for fact sources. */
  eventTimeColumn?: string;
  /** Column that identifies a row of a dimension; duplicates are refused. */
  primaryKey?: string;
}

export const SOURCE_NAMES = ['transactions', 'customers', 'products'] as const;
export const sourceNameSchema = z.enum(SOURCE_NAMES);
export type SourceName = z.infer<typeof sourceNameSchema>;

/** The seed's three sources, declared once; ingestion validates against these. */
export const SOURCES: Readonly<Record<SourceName, SourceDefinition>> = {
  transactions: {
    name: 'transactions',
    sourceType: 'stream',
    schema: {
      transaction_id: 'string',
      timestamp: 'datetime',
      customer_id: 'string',
      product: 'string',
      quantity: 'int',
      unit_price: 'float',
      region: 'string',
      total_amount: 'float',
    },
    requiredColumns: ['transaction_id', 'timestamp', 'customer_id', 'product', 'quantity'],
    refreshFrequency: 'hourly',
    eventTimeColumn: 'timestamp',
  },
  customers: {
    name: 'customers',
    sourceType: 'database',
    schema: {
      customer_id: 'string',
      customer_name: 'string',
      segment: 'string',
      join_date: 'datetime',
      lifetime_value: 'float',
    },
    requiredColumns: ['customer_id', 'segment'],
    refreshFrequency: 'daily',
    primaryKey: 'customer_id',
  },
  products: {
    name: 'products',
    sourceType: 'file',
    schema: { product: 'string', category: 'string', cost: 'float', active: 'bool' },
    requiredColumns: ['product', 'category', 'cost'],
    refreshFrequency: 'weekly',
    primaryKey: 'product',
  },
};
