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

const compiled = new Map<string, RegExp>();

/** Whether `type` is one of the types `pattern` names. */
export function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  let re = compiled.get(pattern);
  if (!re) {
    // Only [a-z0-9_.-] and * reach here (eventPattern): escaping the dot is all it takes.
    re = new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*+/g, '.*')}$`);
    compiled.set(pattern, re);
  }
  return re.test(type);
}
