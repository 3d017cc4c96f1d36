import { describe, expect, it } from 'vitest';
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

  it('a test started with the shared time spent is not tried, and says why', () => {
    const c = clock();
    const shared = new SharedPatternTime(200, 200, c.now);
    shared.spend(200);
    const started = performance.now();
    const r = boundedTest(compilePattern('p', '^(a+)+$'), `${'a'.repeat(28)}b`, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
    expect(performance.now() - started).toBeLessThan(20);
    expect(r).toEqual({ matched: false, processBusy: true, note: 'the pattern time of all events together (200 ms per second) was spent; this one was not tried' });
    // A plain pattern neither: the time is spent, whatever the pattern.
    expect(boundedTest(/a/u, 'a', patternBudget(EVENT_PATTERN_BUDGET_MS, shared)).matched).toBe(false);
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
    expect(boundedTest(/a/u, 'a', patternBudget(EVENT_PATTERN_BUDGET_MS, shared))).toMatchObject({ matched: false, processBusy: true });

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

  it('a list whose items the shared time left untried is the process\'s, whatever the first item said', () => {
    const [cond] = parseConditions('c', [{ path: 'data.hosts', op: 'matches', value: '^(a+)+$' }]);
    // 120 ms shared: the first item uses 100 (stopped at its deadline, twice), the second is cut by the shared time.
    const r = meets(cond, { data: { hosts: [`${'a'.repeat(28)}b`, `${'a'.repeat(28)}b`, 'b'] } }, patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime(200, 120)));
    expect(r).toEqual({ ok: false, processBusy: true, note: 'the pattern ran longer than 50 ms (twice) and was stopped' });
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
    const [busy] = judge([rule({})], 'host.checked', { data: { host: 'db-01' } }, patternBudget(EVENT_PATTERN_BUDGET_MS, shared));
    expect(busy).toMatchObject({ matched: false, undecided: true, processBusy: true, reason: 'condition undecided: data.host matches /^db-/ (the pattern time of all events together (200 ms per second) was spent; this one was not tried)' });

    const own = patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime(200, 200, c.now));
    own.spend(200);
    const [spent] = judge([rule({})], 'host.checked', { data: { host: 'db-01' } }, own);
    expect(spent).toMatchObject({ matched: false, undecided: true, reason: expect.stringMatching(/^condition not met: .*the event's 200 ms for pattern tests were spent/) });
    expect(spent.processBusy).toBeUndefined();
  });
});
