import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { foldCase, registerFoldFunction, registerFoldFunctionSource } from '../../src/store/sqlite/subject-fold.js';

/**
 * The subject search's case folding on SQLite: JavaScript's lower-case mapping, one code point
 * for one (what lets the trigram index of the folded subjects answer for the folded query).
 */
it('folds every code point to exactly one, as toLowerCase does apart from Σ and İ', () => {
  const wrong: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const folded = foldCase(c);
    if ([...folded].length !== 1 || (cp !== 0x3a3 && cp !== 0x130 && folded !== c.toLowerCase())) wrong.push(`U+${cp.toString(16)}`);
  }
  expect(wrong).toEqual([]);
  expect(foldCase('ÄRGER im BÜRO')).toBe('ärger im büro');
  expect(foldCase('ΟΔΟΣ')).toBe('οδοσ');
  expect(foldCase('İSTANBUL')).toBe('istanbul');
  expect(foldCase('STRAẞE')).toBe('straße');
});

it('is the same function on the main connection and in the background thread', () => {
  const main = new Database(':memory:');
  const thread = new Database(':memory:');
  registerFoldFunction(main);
  new Function('db', registerFoldFunctionSource)(thread);
  const text = 'ÄÖÜ ΟΔΟΣ İ Ა K straẞe ǅ';
  for (const db of [main, thread]) expect(db.prepare('select mailroom_fold(?) as f, mailroom_fold(null) as n').get(text)).toEqual({ f: foldCase(text), n: null });
  main.close();
  thread.close();
});
