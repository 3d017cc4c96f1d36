import { describe, expect, it } from 'vitest';
import { changesNothing } from '../../src/core/kernel/versioning.js';

/** changesNothing with set-like fields: the same items in another order are no change; anything else still is. */
describe('changesNothing: lists named as sets', () => {
  const prev = { id: 'r1', events: ['a', 'b'], roles: ['x', 'y'], smtp: { direct: { requireTlsDomains: ['a.example', 'b.example'] } }, version: 1, updatedAt: 1 };

  it('another order of a named list, at the top or nested: nothing changed', () => {
    const next = { ...prev, events: ['b', 'a'], smtp: { direct: { requireTlsDomains: ['b.example', 'a.example'] } }, version: 2, updatedAt: 2 };
    expect(changesNothing(prev, next)).toBe(false);
    expect(changesNothing(prev, next, ['events', 'smtp.direct.requireTlsDomains'])).toBe(true);
  });

  it('a list not named keeps its order; other items, or another field, are a change', () => {
    expect(changesNothing(prev, { ...prev, roles: ['y', 'x'] }, ['events'])).toBe(false);
    expect(changesNothing(prev, { ...prev, events: ['a', 'c'] }, ['events'])).toBe(false);
    expect(changesNothing(prev, { ...prev, events: ['a'] }, ['events'])).toBe(false);
    expect(changesNothing(prev, { ...prev, events: ['b', 'a'], id: 'r2' }, ['events'])).toBe(false);
  });

  it('a path that is missing or not a list compares as it is', () => {
    expect(changesNothing(prev, { ...prev }, ['nothing.here', 'id'])).toBe(true);
    expect(changesNothing({ smtp: null }, { smtp: null }, ['smtp.direct.requireTlsDomains'])).toBe(true);
  });
});
