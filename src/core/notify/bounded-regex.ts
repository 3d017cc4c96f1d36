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

/**
 * Pattern tests run on the main thread, so the per-event budget alone did not bound the process:
 * 20 events at once, each spending its 200 ms, held every other request for 4 s. So all events
 * together get at most PROCESS_PATTERN_MS_PER_SEC of pattern time per second (a fifth of the
 * event loop), PROCESS_PATTERN_BURST_MS at most at once (one event's whole budget: an event alone
 * on an idle process gets all of its own). A test started when this is spent, or cut by it, does
 * not decide, as one stopped at its deadline.
 */
export const PROCESS_PATTERN_MS_PER_SEC = 200;
export const PROCESS_PATTERN_BURST_MS = EVENT_PATTERN_BUDGET_MS;
/**
 * When an event whose patterns the process-wide time kept from deciding may be raised again:
 * by then the shared time has refilled to one event's whole budget.
 */
export const PROCESS_PATTERN_RETRY_AFTER_SEC = Math.ceil(PROCESS_PATTERN_BURST_MS / PROCESS_PATTERN_MS_PER_SEC);

/** Pattern time shared by every event of the process: a token bucket refilled with wall-clock time. */
export class SharedPatternTime {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecondMs = PROCESS_PATTERN_MS_PER_SEC,
    private readonly burstMs = PROCESS_PATTERN_BURST_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstMs;
    this.at = now();
  }

  availableMs(): number {
    const t = this.now();
    this.tokens = Math.min(this.burstMs, this.tokens + ((t - this.at) * this.perSecondMs) / 1000);
    this.at = t;
    return this.tokens;
  }

  /** May go below zero (a test overran its timeout): the debt is paid back before the next test runs. */
  spend(ms: number): void {
    this.availableMs();
    this.tokens -= ms;
  }
}

/** The process's pattern time: every event's budget draws on it. */
export const processPatternTime = new SharedPatternTime();

/** The time left for one event's pattern tests: its own budget, and no more than the process has left. */
export interface PatternBudget {
  remainingMs(): number;
  spend(ms: number): void;
  /** Why the time is short when it is: the event's own budget, or the process-wide one. */
  shortOf(): 'event' | 'process';
}

export function patternBudget(totalMs = EVENT_PATTERN_BUDGET_MS, shared: SharedPatternTime = processPatternTime): PatternBudget {
  let left = totalMs;
  return {
    remainingMs: () => Math.min(left, shared.availableMs()),
    spend: (ms) => {
      left -= ms;
      shared.spend(ms);
    },
    // With both spent, the event's own budget is the reason given (it would have stopped the event on an idle process too).
    shortOf: () => (left <= shared.availableMs() ? 'event' : 'process'),
  };
}

const SPENT: Record<ReturnType<PatternBudget['shortOf']>, string> = {
  event: `the event's ${EVENT_PATTERN_BUDGET_MS} ms for pattern tests were spent`,
  process: `the pattern time of all events together (${PROCESS_PATTERN_MS_PER_SEC} ms per second) was spent`,
};

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

/**
 * A test's outcome. `note` says why it did not decide; `processBusy` that the reason was the
 * pattern time of all events together (other events had spent it, or cut this test short):
 * nothing about this event or pattern, so on an idle process the test might well decide. Not
 * set when the text is too long, the pattern ran past its own deadline or the event spent its
 * own budget: those come out the same on every try.
 */
export type BoundedResult = { matched: boolean; note?: string; processBusy?: true };

export function boundedTest(re: RegExp, input: string, budget: PatternBudget = patternBudget()): BoundedResult {
  if (input.length > INPUT_MAX_CHARS) return { matched: false, note: `the value is longer than ${INPUT_MAX_CHARS} characters; patterns are not tried on it` };
  re.lastIndex = 0;
  const box = sandbox as { re?: RegExp; s?: string };
  box.re = re;
  box.s = input;
  // Which budget cut a try short of its full deadline (undefined: none did).
  let cut: ReturnType<PatternBudget['shortOf']> | undefined;
  const undecided = (note: string, short: typeof cut): BoundedResult => ({ matched: false, note, ...(short === 'process' || cut === 'process' ? { processBusy: true as const } : {}) });
  try {
    for (let attempt = 1; ; attempt++) {
      const left = budget.remainingMs();
      if (left < 1) {
        const short = budget.shortOf();
        const why = SPENT[short];
        return undecided(attempt === 1 ? `${why}; this one was not tried` : `the pattern ran longer than its time and was stopped; ${why}`, short);
      }
      if (left < MATCH_DEADLINE_MS && cut !== 'process') cut = budget.shortOf();
      const started = performance.now();
      try {
        return { matched: test.runInContext(sandbox, { timeout: Math.max(1, Math.floor(Math.min(MATCH_DEADLINE_MS, left))) }) === true };
      } catch {
        if (attempt === 2) return undecided(cut ? `the pattern ran longer than its time and was stopped; ${SPENT[cut]}` : `the pattern ran longer than ${MATCH_DEADLINE_MS} ms (twice) and was stopped`, undefined);
      } finally {
        budget.spend(performance.now() - started);
      }
    }
  } finally {
    box.re = undefined;
    box.s = undefined;
  }
}
