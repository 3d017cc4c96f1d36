import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { PROCESS_PATTERN_BURST_MS, processPatternTime, slowPatterns } from '../../src/core/notify/bounded-regex.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The pattern time of all events together (200 ms per second) is spent by other events: a rule
 * whose `matches` pattern could then not be tried was stored as skipped, `pattern_undecided`,
 * for good — the event committed without its mail, and a retry with its id only got
 * `duplicate: true`, though the same event on an idle process would have matched. That is no
 * verdict on the event: it fails whole, `503 MAILROOM_E_BUSY` with Retry-After, nothing stored,
 * and the retry is judged. But then one backtracking pattern, spending up to 100 ms of that time
 * on every event, had every event refused — the other rules' mail with it, retries included. So
 * with the time spent a pattern is still tried under a 5 ms floor (an ordinary one decides), and
 * a pattern known slow (it ran past its own 50 ms twice lately) cut by the shared time is that
 * rule's `pattern_undecided`, the other rules sending. The event's own budget spent stays
 * `pattern_undecided` (events-pattern-undecided.test.ts). The process's pattern time is spent
 * here as other events would spend it, on the app's own (in-process) bucket.
 */
await describeEachDialect('events: the pattern time of all events spent', (dialect) => {
  let t: TestApp;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /**
   * As if other events had just spent it all, and more (so it stays spent while the request runs).
   * It leaves the bucket at -100 ms whatever it held before (available - (available + 100)): a
   * test that starts with it needs no refill before it, and no 1.5 s wait for one.
   */
  const spendProcessTime = () => processPatternTime.spend(processPatternTime.availableMs() + 100);
  const refilled = async () => {
    while (processPatternTime.availableMs() < PROCESS_PATTERN_BURST_MS) await sleep(50);
  };

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({
      method: 'POST',
      url: '/api/v1/rules',
      payload: { name: 'Database hosts', events: ['host.checked'], conditions: [{ path: 'data.host', op: 'matches', value: '^db-' }], recipients: { roles: ['oncall'] }, template: 'test' },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    for (const payload of [
      { name: 'VIP names', priority: 1, continue: true, events: ['order.shipped'], conditions: [{ path: 'data.name', op: 'matches', value: '^(a+)+$' }], recipients: { roles: ['customer'] }, template: 'test' },
      { name: 'Receipt', priority: 2, continue: true, events: ['order.shipped'], recipients: { roles: ['customer'] }, template: 'test' },
    ]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/rules', payload });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  // Each test starts with no pattern known slow, and on an idle process: by spending the shared
  // time at once (spendProcessTime), or after waiting for the refill (the one test that does not).
  // The file leaves the process idle for the files after it (one worker runs many): the app
  // closes while it refills.
  beforeEach(() => {
    slowPatterns.clear();
  });
  afterAll(async () => {
    await Promise.all([refilled(), t?.close()]);
  });

  const event = { type: 'host.checked', id: 'busy-1', data: { host: 'db-01' }, recipients: { oncall: ['ann@example.com'] } };

  const order = (id: string) => ({ type: 'order.shipped', id, data: { name: `${'a'.repeat(32)}!` }, recipients: { customer: ['bob@example.com'] } });

  it('an ordinary pattern with the shared time spent still decides (under the floor): the event mails', async () => {
    spendProcessTime();
    const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: event });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: event.id, duplicate: false, matches: [{ ruleName: 'Database hosts', messageIds: [expect.stringMatching(/^msg_/)] }] });
    expect(res.json().matches[0].skipped).toBeUndefined();
  });

  it('a backtracking pattern never seen slow, cut by the spent shared time: 503 MAILROOM_E_BUSY with Retry-After, nothing stored; raised again once it refilled, it is judged', async () => {
    spendProcessTime();
    const first = await t.request({ method: 'POST', url: '/api/v1/events', payload: order('busy-2') });
    expect(first.statusCode, first.body).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect(first.json().error).toMatchObject({ code: 'MAILROOM_E_BUSY', message: expect.stringMatching(/rule "VIP names" could not be judged.*pattern time of all events together.*nothing was stored or sent/) });
    expect((await t.request({ method: 'GET', url: '/api/v1/events/busy-2' })).statusCode).toBe(404);

    await refilled();
    const retry = await t.request({ method: 'POST', url: '/api/v1/events', payload: order('busy-2') });
    expect(retry.statusCode, retry.body).toBe(202);
    const matches = retry.json().matches as { ruleName: string; messageIds: string[]; skipped?: { code: string; message: string } }[];
    expect(matches.find((m) => m.ruleName === 'VIP names')).toMatchObject({ messageIds: [], skipped: { code: 'pattern_undecided', message: expect.stringContaining('ran longer than 50 ms (twice)') } });
    expect(matches.find((m) => m.ruleName === 'Receipt')).toMatchObject({ messageIds: [expect.stringMatching(/^msg_/)] });
  });

  it('events in a row against a pattern known slow: none is BUSY; that rule is pattern_undecided and the other rule mails', async () => {
    await refilled();
    for (let i = 1; i <= 8; i++) {
      // After the first (on an idle process, which makes the pattern known slow), as if other events kept the shared time spent.
      if (i > 1) spendProcessTime();
      const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: order(`row-${i}`) });
      expect(res.statusCode, `event ${i}: ${res.body}`).toBe(202);
      const matches = res.json().matches as { ruleName: string; messageIds: string[]; skipped?: { code: string; message: string } }[];
      expect(matches.find((m) => m.ruleName === 'VIP names'), `event ${i}`).toMatchObject({ messageIds: [], skipped: { code: 'pattern_undecided' } });
      expect(matches.find((m) => m.ruleName === 'Receipt'), `event ${i}`).toMatchObject({ messageIds: [expect.stringMatching(/^msg_/)] });
    }
  });

  it('the dry run says it in the rule\'s reason, and claims no skip the event would not record', async () => {
    spendProcessTime();
    const res = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: { ...order('x'), id: undefined } } });
    expect(res.statusCode, res.body).toBe(200);
    const verdict = (res.json().rules as { ruleName: string; matched: boolean; reason: string }[]).find((r) => r.ruleName === 'VIP names');
    expect(verdict).toMatchObject({ matched: false });
    expect(verdict!.reason).toMatch(
      /^condition undecided: data\.name matches \/\^\(a\+\)\+\$\/ \(the pattern ran longer than its time and was stopped; the pattern time of all events together \(200 ms per second\) was spent\); not judged: an event raised now would be refused \(503 MAILROOM_E_BUSY/,
    );
    expect(res.json().skipped).toEqual([]);

    await refilled();
    const again = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: { ...order('x'), id: undefined } } });
    expect(again.json().rules.find((r: { ruleName: string }) => r.ruleName === 'VIP names')).toMatchObject({ matched: false, reason: expect.stringContaining('ran longer than 50 ms (twice)') });
    expect(again.json().skipped).toMatchObject([{ ruleName: 'VIP names', code: 'pattern_undecided' }]);
  });
});
