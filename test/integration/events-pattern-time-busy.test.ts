import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { PROCESS_PATTERN_BURST_MS, processPatternTime } from '../../src/core/notify/bounded-regex.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The pattern time of all events together (200 ms per second) is spent by other events: a rule
 * whose `matches` pattern could then not be tried was stored as skipped, `pattern_undecided`,
 * for good — the event committed without its mail, and a retry with its id only got
 * `duplicate: true`, though the same event on an idle process would have matched. That is no
 * verdict on the event: it now fails whole, `503 MAILROOM_E_BUSY` with Retry-After, nothing
 * stored, and the retry is judged. The event's own budget spent stays `pattern_undecided`
 * (events-pattern-undecided.test.ts). The process's pattern time is spent here as other events
 * would spend it, on the app's own (in-process) bucket.
 */
await describeEachDialect('events: the pattern time of all events spent', (dialect) => {
  let t: TestApp;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** As if other events had just spent it all, and more (so it stays spent while the request runs). */
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
  });
  // Each test starts on an idle process, and leaves it so for the files after it (one worker runs many).
  beforeEach(refilled);
  afterAll(async () => {
    await refilled();
    await t?.close();
  });

  const event = { type: 'host.checked', id: 'busy-1', data: { host: 'db-01' }, recipients: { oncall: ['ann@example.com'] } };

  it('an event whose pattern the shared time left untried: 503 MAILROOM_E_BUSY with Retry-After, nothing stored; raised again once it refilled, it mails', async () => {
    spendProcessTime();
    const first = await t.request({ method: 'POST', url: '/api/v1/events', payload: event });
    expect(first.statusCode, first.body).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect(first.json().error).toMatchObject({ code: 'MAILROOM_E_BUSY', message: expect.stringMatching(/rule "Database hosts" could not be judged.*pattern time of all events together.*nothing was stored or sent/) });
    expect((await t.request({ method: 'GET', url: `/api/v1/events/${event.id}` })).statusCode).toBe(404);

    await refilled();
    const retry = await t.request({ method: 'POST', url: '/api/v1/events', payload: event });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ id: event.id, duplicate: false, matches: [{ ruleName: 'Database hosts', messageIds: [expect.stringMatching(/^msg_/)] }] });
    expect(retry.json().matches[0].skipped).toBeUndefined();
  });

  it('the dry run says it in the rule\'s reason, and claims no skip the event would not record', async () => {
    spendProcessTime();
    const res = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: { ...event, id: undefined } } });
    expect(res.statusCode, res.body).toBe(200);
    const [verdict] = res.json().rules as { ruleName: string; matched: boolean; reason: string }[];
    expect(verdict).toMatchObject({ ruleName: 'Database hosts', matched: false });
    expect(verdict.reason).toMatch(/^condition undecided: data\.host matches \/\^db-\/ \(the pattern time of all events together \(200 ms per second\) was spent; this one was not tried\); not judged: an event raised now would be refused \(503 MAILROOM_E_BUSY/);
    expect(res.json().skipped).toEqual([]);
    expect(res.json().messages).toEqual([]);

    await refilled();
    const again = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: { ...event, id: undefined } } });
    expect(again.json().rules[0]).toMatchObject({ ruleName: 'Database hosts', matched: true });
    expect(again.json().messages).toHaveLength(1);
  });
});
