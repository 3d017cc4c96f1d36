import { describe, expect, it } from 'vitest';
import { boundedTest, compilePattern, EVENT_PATTERN_BUDGET_MS, patternBudget, SharedPatternTime } from '../../src/core/notify/bounded-regex.js';

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
    expect(r).toEqual({ matched: false, note: 'the pattern time of all events together (200 ms per second) was spent; this one was not tried' });
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
});
