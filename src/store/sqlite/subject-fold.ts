import type Database from 'better-sqlite3';

/**
 * Case folding for the email log's subject search on SQLite, whose own lower() folds ASCII
 * letters only: `Ärger` stayed `Ärger` while the query was folded to `ärger`, so text with an
 * upper-case non-ASCII letter was never found, not even the subject as stored.
 *
 * JavaScript's toLowerCase (Unicode's lower-case mapping), one code point for one code point,
 * as PostgreSQL's lower() folds in a UTF-8 locale: capital sigma is always σ (toLowerCase
 * alone makes it ς at the end of a word, so `ΟΔΟΣ` would not hold `ΟΔΟΣ` read from a longer
 * word), and the dotted capital I is i (toLowerCase alone makes it i + U+0307). So the folded
 * text has as many code points as the text, and text found in one is found in the other at
 * the same place: what the trigram index (migration 028) relies on.
 *
 * One definition for every connection: the main one registers `foldCase` itself, the
 * background connection's thread (plain JavaScript) gets its source text.
 */
export function foldCase(s: string): string {
  // No inner function: the source text must run as it is in the thread (a bundler's helpers, such as a name-keeping one, are not there).
  return s.replace(/\u03a3/g, '\u03c3').replace(/\u0130/g, 'i').toLowerCase();
}

/** The SQL function that folds a text as `foldCase` does: `mailroom_fold(subject)`. */
export const FOLD_FUNCTION = 'mailroom_fold';

/** Makes `mailroom_fold(text)` known on a connection (deterministic; NULL and non-text values pass through). */
export function registerFoldFunction(sqlite: Database.Database): void {
  sqlite.function(FOLD_FUNCTION, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldCase(v) : v));
}

/** The same registration as JavaScript source, for the background connection's thread (`db` names its connection there). */
export const registerFoldFunctionSource = `db.function(${JSON.stringify(FOLD_FUNCTION)}, { deterministic: true }, (v) => (typeof v === 'string' ? (${foldCase.toString()})(v) : v));`;
