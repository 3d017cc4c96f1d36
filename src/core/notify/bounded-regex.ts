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
/**
 * All the pattern tests one event gets, over every rule, condition and list item: the deadline
 * above bounds one test, and an event whose field lists 1,800 items (a 64 KiB body) against a
 * pattern that backtracks held the process for minutes, one deadline after another. Once spent,
 * the patterns left are not tried (those conditions do not match, and the record says why).
 */
export const EVENT_PATTERN_BUDGET_MS = 200;

/** The time left for one event's pattern tests. */
export interface PatternBudget {
  remainingMs(): number;
  spend(ms: number): void;
}

export function patternBudget(totalMs = EVENT_PATTERN_BUDGET_MS): PatternBudget {
  let left = totalMs;
  return { remainingMs: () => left, spend: (ms) => void (left -= ms) };
}

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

export function boundedTest(re: RegExp, input: string, budget: PatternBudget = patternBudget()): BoundedResult {
  if (input.length > INPUT_MAX_CHARS) return { matched: false, note: `the value is longer than ${INPUT_MAX_CHARS} characters; patterns are not tried on it` };
  const spent = { matched: false, note: `the event's ${EVENT_PATTERN_BUDGET_MS} ms for pattern tests were spent; this one was not tried` };
  re.lastIndex = 0;
  const box = sandbox as { re?: RegExp; s?: string };
  box.re = re;
  box.s = input;
  try {
    for (let attempt = 1; ; attempt++) {
      const left = budget.remainingMs();
      if (left < 1) return attempt === 1 ? spent : { matched: false, note: `the pattern ran longer than its time and was stopped; the event's ${EVENT_PATTERN_BUDGET_MS} ms for pattern tests were spent` };
      const started = performance.now();
      try {
        return { matched: test.runInContext(sandbox, { timeout: Math.max(1, Math.floor(Math.min(MATCH_DEADLINE_MS, left))) }) === true };
      } catch {
        if (attempt === 2) return { matched: false, note: `the pattern ran longer than ${MATCH_DEADLINE_MS} ms (twice) and was stopped` };
      } finally {
        budget.spend(performance.now() - started);
      }
    }
  } finally {
    box.re = undefined;
    box.s = undefined;
  }
}
