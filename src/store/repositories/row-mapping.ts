import { flag, fromJson, toJson } from '../json.js';

/**
 * One mapping per table between a domain object and its row, instead of a `toX(row)` and a
 * `toRow(x)` written field by field and kept in step by hand. A field is stored in the column
 * named like it in snake_case (`keyHash` → `key_hash`) unless it says otherwise, and converted
 * both ways by its codec. The types check what the two hand-written functions checked: every
 * field and every column is mapped, and each codec fits the field's and the column's types.
 */

/** How a value is stored: `read` turns the column's value into the field's, `write` back. */
export interface Codec<Value, Stored> {
  read: (stored: Stored) => Value;
  write: (value: Value) => Stored;
}

/** A codec for a column not named like its field. */
export interface Renamed<Column extends string, Value, Stored> extends Codec<Value, Stored> {
  column: Column;
}

/** Stored as it is (text, numbers, nullable or not; timestamps are epoch milliseconds in both dialects). */
export const same = { read: <T>(stored: T): T => stored, write: <T>(value: T): T => value };

/** A boolean stored as a 0/1 flag. */
export const bool: Codec<boolean, number> = { read: (stored) => stored === 1, write: flag };

/** A JSON document stored as text; an empty or null column reads as `fallback`. */
export const json = <T>(fallback: T): { read: (stored: string | null) => T; write: (value: T) => string } => ({
  read: (stored) => fromJson(stored, fallback),
  write: toJson,
});

/** A JSON object that may be absent: a null column reads as null, and an absent object is stored as null. */
export const optionalJson = <T extends object>(): Codec<T | null, string | null> => ({
  read: (stored) => fromJson<T | null>(stored, null),
  write: (value) => (value ? toJson(value) : null),
});

/** Text that holds one of a closed set of words (a role, a status): taken as written, as the store only writes those. */
export const oneOf = <T extends string>(): Codec<T, string> => ({ read: (stored) => stored as T, write: (value) => value });

/** A field whose column has another name, stored as `codec` says (as it is by default). */
export function renamed<Column extends string, Value, Stored>(column: Column, codec: Codec<Value, Stored>): Renamed<Column, Value, Stored>;
export function renamed<Column extends string>(column: Column): { column: Column } & typeof same;
export function renamed(column: string, codec: Codec<unknown, unknown> = same) {
  return { ...codec, column };
}

/**
 * Makes the objects a mapping reads: copies of one template, then every property overwritten,
 * so they have the same properties in the same order and share one V8 hidden class. Adding
 * them one by one under computed names gave accounts (22 properties) dictionary storage, slow
 * to read. And V8 drops a hidden class no live object has: objects read after a garbage
 * collection got a new one (accounts every second or so, as the configuration cache read them
 * again), and the optimised code of routing and delivery that had seen the old one was thrown
 * away and compiled again each time. So one copy lives as long as the shape.
 */
class ObjectShape {
  private readonly template: Record<string, unknown>;
  private readonly keeper: Record<string, unknown>;

  constructor(keys: readonly string[]) {
    this.template = { ...Object.fromEntries(keys.map((k) => [k, undefined])) };
    this.keeper = this.copy();
  }

  copy(): Record<string, unknown> {
    return { ...this.template };
  }
}

/** `keyHash` → `key_hash`, in types as at run time. */
type Snake<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${Snake<Tail>}` : S;
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** What a field may say: a codec for its snake_case column, or a renamed one for any column. */
type FieldSpec<Field extends string, Value, Row> =
  | (Snake<Field> extends keyof Row ? Codec<Value, Row[Snake<Field>]> & { column?: undefined } : never)
  | { [C in keyof Row & string]: Renamed<C, Value, Row[C]> }[keyof Row & string];

type Spec<Domain, Row> = { [F in keyof Domain & string]-?: FieldSpec<F, Domain[F], Row> };

type ColumnsOf<S> = { [F in keyof S & string]: S[F] extends { column: infer C extends string } ? C : Snake<F> }[keyof S & string];

/** The spec itself where it maps every column of the row; otherwise a type naming the columns it leaves out. */
type EveryColumn<Row, S> = [Exclude<keyof Row, ColumnsOf<S>>] extends [never] ? S : S & { unmappedColumns: Exclude<keyof Row, ColumnsOf<S>> };

export interface RowMapping<Domain, Row> {
  toDomain(row: Row): Domain;
  toRow(value: Domain): Row;
}

/** What the computed properties of `withComputed` are: each function's result. */
type Computed<C> = { [K in keyof C]: C[K] extends (row: never) => infer V ? V : never };
/** What they read: the row as the functions declare it (with a join's columns, say). */
type ComputedFrom<C> = C[keyof C] extends (row: infer R) => unknown ? R : never;

export interface TableMapping<Domain, Row> extends RowMapping<Domain, Row> {
  /**
   * The same mapping, whose objects also carry properties computed from the row (a joined
   * column, a flag derived from two columns), built in one go: spreading the object into another
   * with them afterwards gave every object a hidden class of its own after each garbage
   * collection (see ObjectShape). Each function declares the row it reads.
   */
  withComputed<C extends Record<string, (row: never) => unknown>>(computed: C): { toDomain(row: Row & ComputedFrom<C>): Domain & Computed<C>; toRow(value: Domain & Computed<C>): Row };
}

/**
 * `rowMapping<Domain, Row>()({ field: codec, … })`: the spec lists the fields in the domain
 * object's order (the objects it reads are built in that order). Two calls, as TypeScript
 * cannot take Domain and Row as given and infer the spec's renames.
 */
export function rowMapping<Domain, Row>() {
  return <const S extends Spec<Domain, Row>>(spec: EveryColumn<Row, S>): TableMapping<Domain, Row> => {
    const fields = Object.entries(spec as Record<string, Codec<unknown, unknown> & { column?: string }>).map(([field, codec]) => ({
      field,
      column: codec.column ?? snake(field),
      read: codec.read,
      write: codec.write,
    }));
    const rowShape = new ObjectShape(fields.map((f) => f.column));
    const toRow = (value: Domain): Row => {
      const domain = value as Record<string, unknown>;
      const row = rowShape.copy();
      for (const f of fields) row[f.column] = f.write(domain[f.field]);
      return row as Row;
    };
    const reader = <Extra>(computed: Record<string, (row: Row) => unknown>) => {
      const extra = Object.entries(computed);
      const shape = new ObjectShape([...fields.map((f) => f.field), ...extra.map(([key]) => key)]);
      return (row: Row): Domain & Extra => {
        const stored = row as Record<string, unknown>;
        const value = shape.copy();
        for (const f of fields) value[f.field] = f.read(stored[f.column]);
        for (const [key, compute] of extra) value[key] = compute(row);
        return value as Domain & Extra;
      };
    };
    return {
      toDomain: reader<unknown>({}),
      toRow,
      withComputed: <C extends Record<string, (row: never) => unknown>>(computed: C) => ({
        toDomain: reader<Computed<C>>(computed as unknown as Record<string, (row: Row) => unknown>),
        toRow,
      }),
    };
  };
}
