import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * `matches` patterns run on the main thread. Each event had 200 ms for them, but 20 events at
 * once with 40 backtracking values each (docs/events.md's own `^(a+)+$`) held the process for
 * 4 s: an unrelated GET /settings waited that long. All events together now get at most 200 ms
 * of pattern time per second; a test started once that is spent does not decide
 * (`pattern_undecided`, the note saying why), and other requests are answered meanwhile.
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

  it('20 events at once: once the shared time is spent their patterns are undecided, and an unrelated request is answered while they run', async () => {
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

    const notes = answers.map((a) => {
      expect(a.statusCode, a.body).toBe(202);
      const [match] = a.json().matches as { ruleName: string; messageIds: string[]; skipped: { code: string; message: string } }[];
      expect(match).toMatchObject({ ruleName: 'Hosts by pattern', messageIds: [], skipped: { code: 'pattern_undecided' } });
      return match.skipped.message;
    });
    // One event's 200 ms is what all of them share per second: most found it spent.
    const shared = notes.filter((n) => n.includes('the pattern time of all events together (200 ms per second) was spent'));
    expect(shared.length, notes.join('\n')).toBeGreaterThanOrEqual(10);
    const stored = (await t.request({ method: 'GET', url: '/api/v1/events/hosts-19' })).json();
    expect(stored.matches[0].skipped.code).toBe('pattern_undecided');
  }, 60_000);
});
