import { describe, expect, it } from 'vitest';
import { meets, parseCondition } from '../../src/core/notify/conditions.js';

/**
 * Conditions as docs/events.md states them: neq is the negation of eq (on a list: no item
 * equals), and numbers and booleans compare with text by their text, null only with null.
 */
const holds = (op: string, value: unknown, data: Record<string, unknown>) => meets(parseCondition('c', { path: 'data.n', op, value }), { data }).ok;

describe('conditions on lists and on values of other types', () => {
  it('neq is exactly "not eq": on a list it holds when no item equals', () => {
    for (const [n, value] of [
      [[42, 1], 42],
      [[42, 1], '42'],
      [['a', 'b'], 'b'],
      [42, 42],
      ['x', 'x'],
    ] as const) {
      expect(holds('eq', value, { n }), JSON.stringify([n, value])).toBe(true);
      expect(holds('neq', value, { n }), JSON.stringify([n, value])).toBe(false);
    }
    for (const [data, value] of [
      [{ n: [1, 2] }, 42],
      [{ n: [] }, 42],
      [{}, 42],
      [{ n: { v: 42 } }, 42],
    ] as const) {
      expect(holds('eq', value, data), JSON.stringify([data, value])).toBe(false);
      expect(holds('neq', value, data), JSON.stringify([data, value])).toBe(true);
    }
  });

  it('booleans and numbers equal their text exactly; null only null', () => {
    expect(holds('eq', 'true', { n: true })).toBe(true);
    expect(holds('eq', true, { n: 'true' })).toBe(true);
    expect(holds('eq', 'false', { n: false })).toBe(true);
    expect(holds('eq', 'True', { n: true })).toBe(false);
    expect(holds('eq', '1', { n: true })).toBe(false);
    expect(holds('eq', 'true', { n: [false, true] })).toBe(true);
    expect(holds('eq', '42', { n: 42 })).toBe(true);
    expect(holds('eq', '42.0', { n: 42 })).toBe(false);
    expect(holds('eq', null, { n: null })).toBe(true);
    expect(holds('eq', 'null', { n: null })).toBe(false);
    expect(holds('eq', null, {})).toBe(false);
    expect(holds('neq', null, {})).toBe(true);
    expect(holds('in', ['true', 'yes'], { n: true })).toBe(true);
    // matches tests text and numbers only.
    expect(holds('matches', '^true$', { n: true })).toBe(false);
    expect(holds('matches', '^42$', { n: 42 })).toBe(true);
  });
});
