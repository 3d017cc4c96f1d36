import vm from 'node:vm';
import { invalid } from '../kernel/errors.js';
import { str } from '../kernel/validate.js';

/**
 * Regular expressions written by admins run against text written by applications: a pattern
 * such as `(a+)+$` can backtrack for minutes on a short input. So a pattern is at most
 * PATTERN_MAX_CHARS long, the text at most INPUT_MAX_CHARS, and each test runs under a hard
 * deadline (V8 interrupts the match when it passes; the condition then does not match and
 * the event's record says why). The deadline is wall-clock time, so a busy machine can stop even
 * a trivial pattern: a stopped test is tried once more before it counts (a pathological pattern
 * is stopped twice, a descheduled one passes the second time).
 */
export const PATTERN_MAX_CHARS = 200;
export const INPUT_MAX_CHARS = 10_000;
export const MATCH_DEADLINE_MS = 50;

export function compilePattern(field: string, v: unknown): RegExp {
  const source = str(field, v, { max: PATTERN_MAX_CHARS });
  try {
    return new RegExp(source, 'u');
  } catch (err) {
    throw invalid(field, `is not a regular expression: ${(err as Error).message}`);
  }
}

const sandbox = vm.createContext(Object.create(null) as object);
const test = new vm.Script('re.test(s)');

export type BoundedResult = { matched: boolean; note?: string };

export function boundedTest(re: RegExp, input: string): BoundedResult {
  if (input.length > INPUT_MAX_CHARS) return { matched: false, note: `the value is longer than ${INPUT_MAX_CHARS} characters; patterns are not tried on it` };
  re.lastIndex = 0;
  const box = sandbox as { re?: RegExp; s?: string };
  box.re = re;
  box.s = input;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return { matched: test.runInContext(sandbox, { timeout: MATCH_DEADLINE_MS }) === true };
      } catch {
        if (attempt === 2) return { matched: false, note: `the pattern ran longer than ${MATCH_DEADLINE_MS} ms (twice) and was stopped` };
      }
    }
  } finally {
    box.re = undefined;
    box.s = undefined;
  }
}
