import { invalid } from '../kernel/errors.js';
import { str } from '../kernel/validate.js';

/**
 * Event types are dotted names an application chooses (`access.request.created`,
 * `alert.triggered`); rules name them with patterns where `*` stands for any run of
 * characters, dots included (`access.request.*`, `*.created`, `*`).
 */
const TYPE = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const PATTERN = /^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$/;
export const EVENT_TYPE_MAX_CHARS = 100;

export function eventType(field: string, v: unknown): string {
  const s = str(field, v, { max: EVENT_TYPE_MAX_CHARS });
  if (!TYPE.test(s)) throw invalid(field, `"${s}" is not an event type: lower-case words of letters, digits, "_" and "-", joined by dots (e.g. "access.request.created")`);
  return s;
}

export function eventPattern(field: string, v: unknown): string {
  const s = str(field, v, { max: EVENT_TYPE_MAX_CHARS });
  if (!PATTERN.test(s)) throw invalid(field, `"${s}" is not an event type pattern: an event type where "*" stands for any run of characters (e.g. "access.request.*")`);
  return s;
}

/**
 * Whether `type` is one of the types `pattern` names. Matched piece by piece, never as a
 * regular expression: `*a*a*a*a*a*a*b` as `^.*a.*a…b$` backtracks exponentially on a type of
 * a's (a 100-character type held the event loop for hours), and a rule's pattern is checked
 * against every event raised. Each `*`-free piece is found at its leftmost place after the one
 * before (the earliest match leaves the most room for the rest), the first at the start and the
 * last at the end: at most a pass over the type per piece.
 */
export function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  const pieces = pattern.split('*');
  const head = pieces[0] as string;
  const tail = pieces[pieces.length - 1] as string;
  if (type.length < head.length + tail.length || !type.startsWith(head) || !type.endsWith(tail)) return false;
  let at = head.length;
  const end = type.length - tail.length;
  for (const piece of pieces.slice(1, -1)) {
    if (!piece) continue;
    const found = type.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
