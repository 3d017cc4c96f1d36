/**
 * A route schema's JSON types in words (`text`, `a whole number`, `a list`), and what a value of
 * the wrong type was: the reader of "must be string" has to know JSON Schema; "must be text, not
 * a number" says it to anyone. What a client sent is never repeated (a password field given
 * 123456 would be echoed): only its kind is said, and true or false as they are.
 */

const WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** `["string", "array"]` (or Ajv's `"string,null"`) as "text or a list". */
export function typeWords(types: readonly string[]): string {
  const words = [...new Set(types.flatMap((t) => t.split(',')).map((t) => WORDS[t.trim()] ?? t.trim()))];
  return words.join(' or ');
}

/** What a JSON value is, for "not …": `a number`, `a fraction`, `true`, `text`, `a list`, `an object`, `null`. */
export function valueKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  // 7.5 where a whole number goes: "not a number" would read as NaN.
  if (typeof v === 'number') return Number.isInteger(v) ? 'a number' : 'a fraction';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return 'text';
  return 'an object';
}
