import { decodeTime } from 'ulid';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertCursor, idFactory, idsBefore, isId, newId as processId, restartIdClock } from '../../src/core/kernel/ids.js';

// A process's ids never go back in time: after another test file's clock ran ahead (a worker
// runs files one after another), the process's newId would hand out that later time. Each test
// gets an id maker of its own, as a fresh process would have.
let newId: ReturnType<typeof idFactory>;
beforeEach(() => {
  newId = idFactory();
});

describe('newId', () => {
  it('is prefix_ + 26 lower-case Crockford base32 characters, a valid ULID carrying the time', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = newId('msg', at);
    expect(id).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(decodeTime(id.slice(4).toUpperCase())).toBe(at);
  });

  it('sorts in creation order within one millisecond, across milliseconds and when the clock steps back', () => {
    const base = Date.now();
    const times = [base, base, base, base + 1, base + 1, base - 5, base + 2, ...Array.from({ length: 2000 }, () => base + 3)];
    const ids = times.map((t) => newId('att', t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('differs between milliseconds in its random part too', () => {
    const later = Date.now() + 60_000;
    const a = newId('x', later).slice(12);
    const b = newId('x', later + 1).slice(12);
    // A fresh draw, not the previous random part plus one. Decoded with the Crockford alphabet:
    // parseInt(…, 32) stops at w–z (NaN when the first is one), which made this fail ~1 run in 60.
    const value = (s: string) => [...s].reduce((n, c) => n * 32n + BigInt('0123456789abcdefghjkmnpqrstvwxyz'.indexOf(c)), 0n);
    expect(value(b)).not.toBe(value(a) + 1n);
    expect(a).not.toBe(b);
  });

  it('refuses a time that does not fit 48 bits', () => {
    expect(() => newId('x', -1)).toThrow(RangeError);
    expect(() => newId('x', 2 ** 48)).toThrow(RangeError);
  });

  it('tells its own ids from anything else (cursors are checked with it)', () => {
    const id = newId('msg');
    expect(isId('msg', id)).toBe(true);
    for (const bad of [id.toUpperCase(), `${id}x`, id.slice(0, -1), id.replace('msg_', 'aud_'), `msg_${'u'.repeat(26)}`, '']) expect(isId('msg', bad), bad).toBe(false);
    expect(() => assertCursor('msg', undefined)).not.toThrow();
    expect(() => assertCursor('msg', id)).not.toThrow();
    expect(() => assertCursor('msg', 'garbage')).toThrow(/cursor: is not a cursor this list returned/);
  });
});

describe("the process's id clock", () => {
  it('restarts: after a clock 40 days ahead, ids made at the real time sort by it again (what each test file starts with)', () => {
    const now = Date.now();
    const ahead = processId('msg', now + 40 * 86_400_000);
    // Monotonic: an id made "now" still sorts after the one made 40 days ahead…
    expect(processId('msg', now) > ahead).toBe(true);
    expect(processId('msg', now) < idsBefore('msg', now + 86_400_000)).toBe(false);
    // …until the clock restarts: then the retention finds today's ids before tomorrow.
    restartIdClock();
    expect(processId('msg', now) < idsBefore('msg', now + 86_400_000)).toBe(true);
  });
});
