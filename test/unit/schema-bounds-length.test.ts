import { describe, expect, it } from 'vitest';
import { boundMessage, codePointLength } from '../../src/http/schema-bounds.js';

/**
 * The "(it has N)" of a length rule counts code points, as Ajv does, without building an array
 * of the value's characters: `[...value]` of a 30-million-character password held the server
 * for seconds and a gigabyte of memory.
 */
describe('schema bounds: a string’s length', () => {
  it('counts code points: an astral character (a surrogate pair) is one', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('é')).toBe(1);
    expect(codePointLength('😀')).toBe(1);
    expect(codePointLength('a😀b𝄞')).toBe(4);
    // Lone surrogates (JSON can carry them as \ud800) count one each, as Ajv counts them.
    expect(codePointLength('\ud800')).toBe(1);
    expect(codePointLength('\udc00\ud800')).toBe(2);
    expect(codePointLength('\ud800x')).toBe(2);
    for (const s of ['', 'plain', 'a😀b𝄞c', '😀😀😀', 'x\ud83dy', '\udc00\ud83d\ude00']) expect(codePointLength(s), JSON.stringify(s)).toBe([...s].length);
  });

  it('says how long a value over maxLength is, astral characters counted once', () => {
    const error = { keyword: 'maxLength', params: { limit: 3 } };
    expect(boundMessage(error, 'a😀b𝄞')).toBe('must be at most 3 characters (it has 4)');
    expect(boundMessage({ keyword: 'minLength', params: { limit: 5 } }, '😀😀')).toBe('must be at least 5 characters (it has 2)');
  });

  it('measures a 30-million-character value without an array of its characters', () => {
    const huge = 'x'.repeat(30_000_000) + '😀';
    // Flattened (a regular expression reads it whole) before measuring, so the measure is of the count alone.
    expect(/😀$/u.test(huge)).toBe(true);
    const heapBefore = process.memoryUsage().heapUsed;
    const message = boundMessage({ keyword: 'maxLength', params: { limit: 1000 } }, huge);
    const grew = process.memoryUsage().heapUsed - heapBefore;
    expect(message).toBe('must be at most 1000 characters (it has 30000001)');
    // An array of 30 M one-character strings needs 240 MB for its slots alone; counting needs next to nothing.
    expect(grew).toBeLessThan(16 * 1024 * 1024);
  });
});
