import { describe, expect, it } from 'vitest';
import { ApiKeyCache } from '../../src/core/access/api-key-cache.js';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Principal } from '../../src/core/access/auth.js';

const principal: Principal = { kind: 'apikey', id: 'key_1', label: 'apikey:test (key_1)', permissions: new Set(['send']), allowOverride: false };

describe('ApiKeyCache', () => {
  it('remembers a key until it is invalidated', () => {
    const c = new ApiKeyCache(() => 0);
    c.set(c.begin(), 'h1', principal, null);
    expect(c.get('h1')?.principal).toBe(principal);
    c.invalidate();
    expect(c.get('h1')).toBeUndefined();
  });

  it('drops the answer of a lookup that started before a revocation', () => {
    const c = new ApiKeyCache(() => 0);
    const generation = c.begin(); // lookup starts and reads the key (still valid)
    c.invalidate(); // the key is revoked meanwhile
    c.set(generation, 'h1', principal, null); // the lookup finishes with its stale answer
    expect(c.get('h1')).toBeUndefined();
  });

  it('forgets entries after the TTL, on the clock it is given', () => {
    const clock = new ManualClock(1_000);
    const c = new ApiKeyCache(() => clock.now(), 20);
    c.set(c.begin(), 'h1', principal, null);
    clock.advance(19);
    expect(c.get('h1')).toBeDefined();
    clock.advance(1);
    expect(c.get('h1')).toBeUndefined();
  });

  it('stays bounded, dropping the oldest entry', () => {
    const c = new ApiKeyCache(() => 0);
    for (let i = 0; i <= 1_000; i++) c.set(c.begin(), `h${i}`, principal, null);
    expect(c.get('h0')).toBeUndefined();
    expect(c.get('h1000')).toBeDefined();
  });
});
