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
 * on an idle process gets all of its own). A test started when this is spent runs under
 * PATTERN_FLOOR_MS only; one cut by it does not decide, as one stopped at its deadline. So
 * tests on their full deadline take at most this much; beyond it, only floor tries (two per
 * condition at most, see conditions.ts, and within each event's own budget).
 */
export const PROCESS_PATTERN_MS_PER_SEC = 200;
export const PROCESS_PATTERN_BURST_MS = EVENT_PATTERN_BUDGET_MS;
/**
 * With the process's time spent, a test still runs under this deadline instead of not at all:
 * an ordinary pattern finishes in microseconds, so it decides even then, and only a slow test is
 * cut (the event is then BUSY, or the pattern's rule undecided if it is known slow: SlowPatterns).
 * Without it, a backtracking pattern spending the shared time on every event made every other
 * rule's pattern — and so every event — undecidable. Its time is spent from the shared time too.
 * 5 ms, not less: the deadline is wall-clock, and on a loaded machine a trivial test under a 2 ms
 * one was cut about one try in fifteen (under 5 ms, one in hundreds; each test has two tries).
 */
export const PATTERN_FLOOR_MS = 5;
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

  /**
   * May go below zero (a test overran its timeout, or ran at PATTERN_FLOOR_MS with nothing
   * left): the debt is paid back before a test runs on its full deadline again. At most one
   * burst of it, so a flood of floor tests cannot keep the shared time spent long after it ends.
   */
  spend(ms: number): void {
    this.availableMs();
    this.tokens = Math.max(-this.burstMs, this.tokens - ms);
  }
}

export const SLOW_PATTERNS_MAX = 500;
export const SLOW_PATTERN_TTL_MS = 60_000;

/**
 * Patterns that ran past their own full deadline (twice) on a recent event: one cut short by the
 * shared time would most likely have run out again, so that is no reason to refuse the event
 * (BUSY) — a pattern that backtracks on every event's data would otherwise spend the shared time
 * and have every event refused, other rules' mail with it, retries included. Such a test is its
 * rule's `pattern_undecided`, as on an idle process. Kept by source and flags, the newest
 * SLOW_PATTERNS_MAX, each for SLOW_PATTERN_TTL_MS after it last ran out (a pattern edited or data
 * that changed gets judged anew).
 */
export class SlowPatterns {
  private readonly at = new Map<string, number>();

  constructor(
    private readonly max = SLOW_PATTERNS_MAX,
    private readonly ttlMs = SLOW_PATTERN_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private static key(re: RegExp): string {
    return `${re.flags}/${re.source}`;
  }

  remember(re: RegExp): void {
    const key = SlowPatterns.key(re);
    // Re-inserted, so the Map's order is oldest-first and the first key is the one to drop.
    this.at.delete(key);
    this.at.set(key, this.now());
    if (this.at.size > this.max) this.at.delete(this.at.keys().next().value as string);
  }

  has(re: RegExp): boolean {
    const key = SlowPatterns.key(re);
    const at = this.at.get(key);
    if (at === undefined) return false;
    if (this.now() - at <= this.ttlMs) return true;
    this.at.delete(key);
    return false;
  }

  get size(): number {
    return this.at.size;
  }

  clear(): void {
    this.at.clear();
  }
}

/** The process's known-slow patterns. */
export const slowPatterns = new SlowPatterns();

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
 * set when the text is too long, the pattern ran past its own deadline, the event spent its own
 * budget, or the pattern is known slow (SlowPatterns): those come out the same on every try.
 */
export type BoundedResult = { matched: boolean; note?: string; processBusy?: true };

const KNOWN_SLOW = `it ran longer than ${MATCH_DEADLINE_MS} ms (twice) on a recent event`;

export function boundedTest(re: RegExp, input: string, budget: PatternBudget = patternBudget(), slow: SlowPatterns = slowPatterns): BoundedResult {
  if (input.length > INPUT_MAX_CHARS) return { matched: false, note: `the value is longer than ${INPUT_MAX_CHARS} characters; patterns are not tried on it` };
  re.lastIndex = 0;
  const box = sandbox as { re?: RegExp; s?: string };
  box.re = re;
  box.s = input;
  // Which budget cut a try short of its full deadline (undefined: none did).
  let cut: ReturnType<PatternBudget['shortOf']> | undefined;
  const undecided = (note: string, short: typeof cut): BoundedResult => {
    if (short !== 'process' && cut !== 'process') return { matched: false, note };
    // A known-slow pattern would most likely have run out on its own deadline too: not the process's.
    return slow.has(re) ? { matched: false, note: `${note}; ${KNOWN_SLOW}` } : { matched: false, note, processBusy: true };
  };
  try {
    for (let attempt = 1; ; attempt++) {
      const left = budget.remainingMs();
      const short = left < MATCH_DEADLINE_MS ? budget.shortOf() : undefined;
      // The event's own budget spent: not tried. The process's: tried under the floor (PATTERN_FLOOR_MS).
      if (left < 1 && short === 'event') {
        const why = SPENT.event;
        return undecided(attempt === 1 ? `${why}; this one was not tried` : `the pattern ran longer than its time and was stopped; ${why}`, short);
      }
      if (short && cut !== 'process') cut = short;
      const timeout = short === 'process' ? Math.max(PATTERN_FLOOR_MS, Math.floor(left)) : Math.max(1, Math.floor(Math.min(MATCH_DEADLINE_MS, left)));
      const started = performance.now();
      try {
        return { matched: test.runInContext(sandbox, { timeout }) === true };
      } catch {
        // The second try is for a test descheduled past its deadline; a known-slow pattern under the floor was expected to be cut.
        if (attempt === 1 && short === 'process' && slow.has(re)) return undecided(`the pattern ran longer than its time and was stopped; ${SPENT.process}`, short);
        if (attempt === 2) {
          if (cut) return undecided(`the pattern ran longer than its time and was stopped; ${SPENT[cut]}`, undefined);
          // Stopped twice at its own full deadline, nothing else cutting it: known slow for a while.
          slow.remember(re);
          return { matched: false, note: `the pattern ran longer than ${MATCH_DEADLINE_MS} ms (twice) and was stopped` };
        }
      } finally {
        budget.spend(performance.now() - started);
      }
    }
  } finally {
    box.re = undefined;
    box.s = undefined;
  }
}
