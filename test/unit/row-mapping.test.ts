import { describe, expect, it } from 'vitest';
import { bool, json, oneOf, renamed, rowMapping, same } from '../../src/store/repositories/row-mapping.js';

interface Thing {
  id: string;
  kind: 'a' | 'b';
  enabled: boolean;
  tags: string[];
  keyHash: string | null;
  carryOn: boolean;
  createdAt: number;
}

interface ThingsTable {
  id: string;
  kind: string;
  enabled: number;
  tags: string;
  key_hash: string | null;
  continue_matching: number;
  created_at: number;
}

const thing = rowMapping<Thing, ThingsTable>()({
  id: same,
  kind: oneOf<Thing['kind']>(),
  enabled: bool,
  tags: json<string[]>([]),
  keyHash: same,
  carryOn: renamed('continue_matching', bool),
  createdAt: same,
});

describe('rowMapping', () => {
  it('reads a row into the domain object, fields in the spec order, and writes it back', () => {
    const row: ThingsTable = { id: 't1', kind: 'b', enabled: 1, tags: '["x","y"]', key_hash: null, continue_matching: 0, created_at: 1700000000000 };
    const value = thing.toDomain(row);
    expect(value).toEqual({ id: 't1', kind: 'b', enabled: true, tags: ['x', 'y'], keyHash: null, carryOn: false, createdAt: 1700000000000 });
    expect(Object.keys(value)).toEqual(['id', 'kind', 'enabled', 'tags', 'keyHash', 'carryOn', 'createdAt']);
    expect(thing.toRow(value)).toEqual(row);
  });

  it('reads an empty JSON column as the fallback', () => {
    expect(thing.toDomain({ id: 't2', kind: 'a', enabled: 0, tags: '', key_hash: 'h', continue_matching: 1, created_at: 1 }).tags).toEqual([]);
  });

  it('checks the spec in types: every field, every column, codecs that fit (tsc runs over this file)', () => {
    const partial = rowMapping<Pick<Thing, 'id' | 'enabled'>, Pick<ThingsTable, 'id' | 'enabled'>>();
    // @ts-expect-error a field left out
    partial({ id: same });
    // @ts-expect-error a flag column read as it is into a boolean field
    partial({ id: same, enabled: same });
    // @ts-expect-error a column no field maps
    rowMapping<Pick<Thing, 'id'>, Pick<ThingsTable, 'id' | 'enabled'>>()({ id: same });
    // @ts-expect-error a renamed column that does not exist
    rowMapping<Pick<Thing, 'carryOn'>, Pick<ThingsTable, 'continue_matching'>>()({ carryOn: renamed('continue', bool) });
    expect(partial({ id: same, enabled: bool }).toDomain({ id: 'x', enabled: 1 })).toEqual({ id: 'x', enabled: true });
  });

  it('adds computed properties to the object it reads, and writes only the mapped columns back', () => {
    const withLabel = thing.withComputed({ label: (row: ThingsTable) => `${row.kind}:${row.id}` });
    const row: ThingsTable = { id: 't3', kind: 'a', enabled: 1, tags: '[]', key_hash: null, continue_matching: 1, created_at: 5 };
    const value = withLabel.toDomain(row);
    expect(value.label).toBe('a:t3');
    expect(Object.keys(value)).toEqual(['id', 'kind', 'enabled', 'tags', 'keyHash', 'carryOn', 'createdAt', 'label']);
    expect(withLabel.toRow(value)).toEqual(row);
  });
});
