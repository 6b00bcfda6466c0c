import type { ColumnType } from '../definition/schema.ts';
import { InputError } from '../errors.ts';

/** A column's type at run time; `unknown` until a function computes it. */
export type RuntimeType = ColumnType | 'unknown';

/**
 * The columns of the rows at one point of the chain, by position: the input's header first (its
 * order, its extra columns), then the columns steps append. Steps read and write cells by position.
 */
export class Layout {
  private constructor(
    readonly names: readonly string[],
    readonly types: readonly RuntimeType[],
    /** Named in a missing column's error. */
    private readonly key: string,
  ) {}

  /** The layout of an input: its header, typed by the source schema (extra columns are text). */
  static of(header: readonly string[], schema: Readonly<Record<string, ColumnType>>, key: string): Layout {
    return new Layout(
      [...header],
      header.map((name) => schema[name] ?? 'string'),
      key,
    );
  }

  /** A layout of named, typed columns (an aggregate's output). */
  static fromColumns(columns: readonly { name: string; type: RuntimeType }[], key: string): Layout {
    return new Layout(
      columns.map((c) => c.name),
      columns.map((c) => c.type),
      key,
    );
  }

  get size(): number {
    return this.names.length;
  }

  indexOf(name: string): number {
    return this.names.indexOf(name);
  }

  /**
   * Positions of `names`.
   * @throws InputError `MISSING_COLUMN` naming every absent column (an optional source column the
   * input lacks, which a step needs)
   */
  require(names: readonly string[], step: string): number[] {
    const missing = names.filter((name) => this.indexOf(name) < 0);
    if (missing.length > 0) {
      throw new InputError(`missing column(s) ${missing.join(', ')}, needed by ${step}`, {
        code: 'MISSING_COLUMN',
        location: { key: this.key, column: missing.join(', ') },
      });
    }
    return names.map((name) => this.indexOf(name));
  }

  /** The layout with `columns` set: existing names keep their position (and take the new type), new ones are appended. */
  with(columns: readonly { name: string; type: RuntimeType }[]): { layout: Layout; positions: number[] } {
    const names = [...this.names];
    const types = [...this.types];
    const positions = columns.map(({ name, type }) => {
      let at = names.indexOf(name);
      if (at < 0) {
        at = names.length;
        names.push(name);
      }
      types[at] = type;
      return at;
    });
    return { layout: new Layout(names, types, this.key), positions };
  }
}
