/**
 * Column types and the row types they give. A pipeline's row types follow from its sources' schemas
 * and its operations, so a step that names a column that does not exist fails `tsc`.
 */

/** The column types a schema can declare; ingestion checks every value against them. */
export type ColumnType = 'string' | 'int' | 'float' | 'bool' | 'date' | 'datetime';

/** The column types, for validation and messages. */
export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'int', 'float', 'bool', 'date', 'datetime'];

/** Column name → type, in the order the columns are written. */
export type Schema = Readonly<Record<string, ColumnType>>;

/**
 * A value as an operation sees it, with pandas' semantics: numbers are `number` and a null number is
 * `NaN` (arithmetic carries it, comparisons with it are false); text, dates and date-times are
 * `string | null` (date-times as `YYYY-MM-DD HH:MM:SS`); booleans are `boolean | null`.
 */
export type ValueOf<T extends ColumnType> = T extends 'int' | 'float'
  ? number
  : T extends 'bool'
    ? boolean | null
    : string | null;

/** Any value a row can hold. */
export type Value = number | string | boolean | null;

/** Any row: column name → value. */
export type AnyRow = Record<string, Value>;

/** Flattens an intersection so editors show one object type. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The row type a schema describes. */
export type RowOf<S extends Schema> = Simplify<{ -readonly [K in keyof S]: ValueOf<S[K]> }>;

/** The columns of `R` that hold numbers. */
export type NumericColumn<R> = { [K in keyof R]: R[K] extends number ? K : never }[keyof R] & string;

/** The columns of `R`. */
export type ColumnOf<R> = keyof R & string;

/** The column type a runtime value is written as. */
export function typeOfValue(value: Value): ColumnType {
  switch (typeof value) {
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

/** Whether values of this type are numbers in a row. */
export const isNumericType = (type: ColumnType): boolean => type === 'int' || type === 'float';
