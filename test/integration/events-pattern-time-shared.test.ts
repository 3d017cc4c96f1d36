import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROCESS_PATTERN_BURST_MS, processPatternTime, slowPatterns } from '../../src/core/notify/bounded-regex.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * `matches` patterns run on the main thread. Each event had 200 ms for them, but 20 events at
 * once with 40 backtracking values each (docs/events.md's own `^(a+)+$`) held the process for
 * 4 s: an unrelated GET /settings waited that long. All events together now get at most 200 ms
 * of pattern time per second, and other requests are answered meanwhile. An event that finds
 * that time spent tries its patterns under a 5 ms floor only. The first event ran this pattern
 * past its own 50 ms twice: known slow, it is `pattern_undecided` for the events after it too
 * (cut by the shared time, it would have run out anyway), not `503 MAILROOM_E_BUSY` — which is
 * for a pattern never seen slow (events-pattern-time-busy.test.ts).
 */
await describeEachDialect('events: pattern time shared by all events', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({
      method: 'POST',
      url: '/api/v1/rules',
      payload: { name: 'Hosts by pattern', events: ['host.checked'], conditions: [{ path: 'data.hosts', op: 'matches', value: '^(a+)+$' }], recipients: { roles: ['oncall'] }, template: 'test' },
    });
    expect(rule.statusCode, rule.body).toBe(201);
  });
  afterAll(async () => t?.close());

  it('20 events at once: the pattern, known slow after the first, is pattern_undecided for all (none refused), and an unrelated request is answered while they run', async () => {
    // An idle process to start from: the first event gets all of its own 200 ms.
    slowPatterns.clear();
    while (processPatternTime.availableMs() < PROCESS_PATTERN_BURST_MS) await new Promise((r) => setTimeout(r, 50));
    const hosts = Array.from({ length: 40 }, () => `${'a'.repeat(28)}b`);
    const order: string[] = [];
    const events = Array.from({ length: 20 }, (_, i) =>
      t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'host.checked', id: `hosts-${i}`, data: { hosts }, recipients: { oncall: ['ann@example.com'] } } }).then((r) => {
        order.push('event');
        return r;
      }),
    );
    // Asked once the events are on their way (their patterns being tried).
    await new Promise((r) => setTimeout(r, 20));
    const settings = t.request({ method: 'GET', url: '/api/v1/settings' }).then((r) => {
      order.push('settings');
      return r;
    });
    const answers = await Promise.all(events);
    expect((await settings).statusCode).toBe(200);
    expect(order.indexOf('settings')).toBeLessThan(order.length - 1);

    for (const a of answers) {
      expect(a.statusCode, a.body).toBe(202);
      const [match] = a.json().matches as { ruleName: string; messageIds: string[]; skipped: { code: string; message: string } }[];
      expect(match).toMatchObject({ ruleName: 'Hosts by pattern', messageIds: [], skipped: { code: 'pattern_undecided' } });
    }
    // Those after the first found the shared time spent: the note says the pattern is known slow.
    expect(answers.filter((a) => a.body.includes('on a recent event')).length, answers.map((a) => a.body).join('\n')).toBeGreaterThanOrEqual(10);
    // Leave the shared time refilled for the files after this one (one worker runs many).
    while (processPatternTime.availableMs() < PROCESS_PATTERN_BURST_MS) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
});
