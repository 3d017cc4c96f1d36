import { beforeEach, describe, expect, it } from 'vitest';
import * as boundedRegex from '../../src/core/notify/bounded-regex.js';
import { boundedTest, compilePattern, EVENT_PATTERN_BUDGET_MS, patternBudget, SharedPatternTime } from '../../src/core/notify/bounded-regex.js';
import { meets, parseConditions } from '../../src/core/notify/conditions.js';
import { judge, type Rule } from '../../src/core/notify/rules.js';

/**
 * Every event's pattern budget draws on the process's pattern time (200 ms per second, 200 ms
 * at most at once): the per-event budget alone let concurrent events hold the main thread for
 * seconds. A clock of the test's own makes the refill exact.
 */
describe('pattern time shared by all events', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };
  // Patterns known to be slow are remembered process-wide: each test starts with none known.
  beforeEach(() => (boundedRegex as { slowPatterns?: { clear(): void } }).slowPatterns?.clear());

  it('an event alone on an idle process gets its whole budget; the next event at once gets what is left', () => {
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    const first = patternBudget(EVENT_PATTERN_BUDGET_MS, shared);
    expect(first.remainingMs()).toBe(200);
    first.spend(150);
    const second = patternBudget(EVENT_PATTERN_BUDGET_MS, shared);
    expect(second.remainingMs()).toBe(50);
    second.spend(50);
    expect(second.remainingMs()).toBe(0);
    expect(second.shortOf()).toBe('process');
    // Refilled at 200 ms per second, never past the 200 ms at once.
    c.advance(500);
    expect(second.remainingMs()).toBe(100);
    c.advance(10_000);
    expect(shared.availableMs()).toBe(200);
    expect(second.remainingMs()).toBe(150);
  });

  it('a test started with the shared time spent still runs, under a small deadline: a plain pattern decides, a backtracking one is cut and says why', () => {
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    const started = performance.now();
    const r = boundedTest(compilePattern('p', '^(a+)+$'), `${'a'.repeat(28)}b`, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
    // Two tries under the 5 ms floor (and the watchdog's latency on a busy machine), not two of its full 50 ms.
    expect(performance.now() - started).toBeLessThan(80);
    expect(r).toEqual({ matched: false, processBusy: true, note: 'the pattern ran longer than its time and was stopped; the pattern time of all events together (200 ms per second) was spent' });
    // A plain pattern finishes in microseconds: it decides though the shared time is spent (before, it was "not tried").
    // The floor is wall-clock time: on a loaded machine a rare test is descheduled past it twice, so most, not all, must decide.
    const decided = (re: RegExp, s: string, want: boolean) =>
      Array.from({ length: 20 }, () => boundedTest(re, s, patternBudget(EVENT_PATTERN_BUDGET_MS, shared))).filter((x) => x.note === undefined && x.matched === want).length;
    expect(decided(/a/u, 'a', true)).toBeGreaterThanOrEqual(15);
    expect(decided(/^db-/u, 'web-01', false)).toBeGreaterThanOrEqual(15);
  });

  it("with the event's own budget spent too, the event's is the reason given", () => {
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    const b = patternBudget(EVENT_PATTERN_BUDGET_MS, shared);
    b.spend(200);
    expect(b.shortOf()).toBe('event');
    expect(boundedTest(/a/u, 'a', b).note).toBe("the event's 200 ms for pattern tests were spent; this one was not tried");
  });

  /**
   * Undecided for want of the shared time is no verdict on the event: before, it was recorded
   * as `pattern_undecided` like the event's own budget, and the event's mail was lost though the
   * same event on an idle process would have been judged. The result now says which it was.
   */
  it('a test the shared time kept from deciding says so (processBusy); one the event\'s own budget stopped does not', () => {
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    expect(boundedTest(/^(a+)+$/u, `${'a'.repeat(28)}b`, patternBudget(EVENT_PATTERN_BUDGET_MS, shared))).toMatchObject({ matched: false, processBusy: true });

    const own = patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime(200, 200, c.now));
    own.spend(200);
    expect(boundedTest(/a/u, 'a', own).processBusy).toBeUndefined();
    // Text too long is the same on every try.
    expect(boundedTest(/a/u, 'a'.repeat(10_001), patternBudget(EVENT_PATTERN_BUDGET_MS, shared)).processBusy).toBeUndefined();
  });

  it('a backtracking test cut short by the shared time is the process\'s, and says so; stopped at its own deadline twice it is not', () => {
    const slow = compilePattern('p', '^(a+)+$');
    const input = `${'a'.repeat(28)}b`;
    // The shared time holds 20 ms: the try is cut at 20 ms, not at the pattern's 50 ms deadline.
    const short = boundedTest(slow, input, patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime(200, 20)));
    expect(short).toEqual({ matched: false, processBusy: true, note: 'the pattern ran longer than its time and was stopped; the pattern time of all events together (200 ms per second) was spent' });
    const own = boundedTest(slow, input, patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime()));
    expect(own).toEqual({ matched: false, note: 'the pattern ran longer than 50 ms (twice) and was stopped' });
  });

  it('a list whose items the shared time left undecided is the process\'s, whatever the first item said', () => {
    const [cond] = parseConditions('c', [{ path: 'data.hosts', op: 'matches', value: '^(a+)+$' }]);
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    // The first item is too long to try (the same on every try); the second is cut by the shared time.
    const r = meets(cond, { data: { hosts: ['a'.repeat(10_001), `${'a'.repeat(28)}b`, 'b'] } }, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
    expect(r).toEqual({ ok: false, processBusy: true, note: 'the value is longer than 10000 characters; patterns are not tried on it' });
  });

  it('with the shared time spent, a plain pattern still tries every item of a list (none is "not tried")', () => {
    const [cond] = parseConditions('c', [{ path: 'data.hosts', op: 'matches', value: '^db-' }]);
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    // (Most, not all: see the floor's test above.)
    const decided = (hosts: string[], want: boolean) =>
      Array.from({ length: 10 }, () => meets(cond, { data: { hosts } }, patternBudget(EVENT_PATTERN_BUDGET_MS, shared))).filter((x) => x.note === undefined && x.ok === want).length;
    expect(decided(['web-01', 'web-02', 'db-01'], true)).toBeGreaterThanOrEqual(7);
    expect(decided(['web-01', 'web-02'], false)).toBeGreaterThanOrEqual(7);
  });

  it('judge: a rule the shared time left undecided is "condition undecided" and processBusy; one the event\'s own budget stopped is "not met" and recorded as before', () => {
    const rule = (over: Partial<Rule>): Rule => ({
      id: 'r',
      name: 'R',
      enabled: true,
      priority: 1,
      events: ['*'],
      conditions: parseConditions('c', [{ path: 'data.host', op: 'matches', value: '^db-' }]),
      recipients: { roles: ['oncall'], addresses: [] },
      template: 'test',
      accountId: null,
      purpose: null,
      continue: false,
      createdBy: null,
      createdAt: 0,
      updatedAt: 0,
      version: 1,
      ...over,
    });
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    // A plain pattern decides at the floor; a backtracking one never seen slow is cut: the process's.
    expect(judge([rule({})], 'host.checked', { data: { host: 'db-01' } }, patternBudget(EVENT_PATTERN_BUDGET_MS, shared))[0]).toMatchObject({ matched: true });
    const slow = rule({ conditions: parseConditions('c', [{ path: 'data.host', op: 'matches', value: '^(a+)+$' }]) });
    const [busy] = judge([slow], 'host.checked', { data: { host: `${'a'.repeat(28)}b` } }, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
    expect(busy).toMatchObject({ matched: false, undecided: true, processBusy: true, reason: 'condition undecided: data.host matches /^(a+)+$/ (the pattern ran longer than its time and was stopped; the pattern time of all events together (200 ms per second) was spent)' });

    const own = patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime(200, 200, c.now));
    own.spend(200);
    const [spent] = judge([rule({})], 'host.checked', { data: { host: 'db-01' } }, own);
    expect(spent).toMatchObject({ matched: false, undecided: true, reason: expect.stringMatching(/^condition not met: .*the event's 200 ms for pattern tests were spent/) });
    expect(spent.processBusy).toBeUndefined();
  });

  /**
   * The reviewer's case: one rule's pattern backtracks on every event's value, spending up to
   * 100 ms of the shared 200 ms per second each time; at more than two events a second the shared
   * time stayed spent, so every later event was refused 503 BUSY — the other rules' mail with it —
   * and clients retrying kept it spent. A pattern that ran past its own full deadline is now known
   * slow for a while: cut short by the shared time it is that rule's `pattern_undecided`, not BUSY.
   */
  describe('patterns known to be slow', () => {
    const rule = (id: string, conditions: unknown[]): Rule => ({
      id,
      name: id,
      enabled: true,
      priority: id === 'bad' ? 1 : 2,
      events: ['order.shipped'],
      conditions: parseConditions('c', conditions),
      recipients: { roles: ['customer'], addresses: [] },
      template: 'test',
      accountId: null,
      purpose: null,
      continue: true,
      createdBy: null,
      createdAt: 0,
      updatedAt: 0,
      version: 1,
    });

    it('many events in a row against a backtracking pattern: none is BUSY once it is known slow; the bad rule is undecided, the other matches', () => {
      const bad = rule('bad', [{ path: 'data.name', op: 'matches', value: '^(a+)+$' }]);
      const receipt = rule('receipt', []);
      // No refill between the events: as if they came faster than 200 ms of pattern time a second.
      const c = clock();
      const shared = new SharedPatternTime(200, 200, c.now);
      const view = { type: 'order.shipped', data: { name: `${'a'.repeat(32)}!` } };
      for (let i = 1; i <= 8; i++) {
        const verdicts = judge([bad, receipt], 'order.shipped', view, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
        const [b, r] = verdicts;
        expect(b, `event ${i}`).toMatchObject({ matched: false, undecided: true, reason: expect.stringMatching(/^condition not met: data\.name matches/) });
        expect(b.processBusy, `event ${i}: ${b.reason}`).toBeUndefined();
        expect(r, `event ${i}`).toMatchObject({ rule: { id: 'receipt' }, matched: true });
      }
      // The shared time is spent by now, and the known-slow pattern says so in its note.
      expect(shared.availableMs()).toBeLessThan(1);
      const [last] = judge([bad], 'order.shipped', view, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
      expect(last.reason).toContain('ran longer than 50 ms (twice) on a recent event');
    });

    it('a known-slow pattern with the shared time spent still decides on ordinary text (the floor)', () => {
      const slow = compilePattern('p', '^(a+)+$');
      boundedTest(slow, `${'a'.repeat(28)}b`);
      const c = clock();
      const shared = new SharedPatternTime(200, 200, c.now);
      shared.spend(200);
      // Known slow, it has one try under the floor (no second for a descheduled one): most, not all, must decide.
      const decided = (s: string, want: boolean) =>
        Array.from({ length: 20 }, () => boundedTest(slow, s, patternBudget(EVENT_PATTERN_BUDGET_MS, shared))).filter((x) => x.note === undefined && x.matched === want).length;
      expect(decided('aaa', true)).toBeGreaterThanOrEqual(15);
      expect(decided('aab', false)).toBeGreaterThanOrEqual(15);
    });

    it('is remembered for 60 s, at most 500 patterns, by source and flags', () => {
      const c = clock();
      const known = new boundedRegex.SlowPatterns(500, 60_000, c.now);
      known.remember(/^(a+)+$/u);
      expect(known.has(/^(a+)+$/u)).toBe(true);
      expect(known.has(/^(a+)+$/iu)).toBe(false);
      c.advance(60_001);
      expect(known.has(/^(a+)+$/u)).toBe(false);
      for (let i = 0; i < 501; i++) known.remember(new RegExp(`^x${i}(a+)+$`, 'u'));
      expect(known.size).toBe(500);
      expect(known.has(/^x0(a+)+$/u)).toBe(false);
      expect(known.has(/^x500(a+)+$/u)).toBe(true);
    });
  });
});
