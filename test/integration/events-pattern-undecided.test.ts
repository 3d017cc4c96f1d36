import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * docs/events.md: a `matches` pattern stopped at its deadline (or not tried on overlong text)
 * does not hold, "and the event's record says why". The record is what an admin reads when
 * the mail did not come: GET /events/:id, the 202 answer and the dry run all say it.
 */
await describeEachDialect('events: a pattern that could not decide is on the record', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = (name: string, priority: number, conditions: object[]) =>
      t.request({ method: 'POST', url: '/api/v1/rules', payload: { name, priority, events: ['host.checked'], conditions, recipients: { roles: ['oncall'] }, template: 'test', continue: true } });
    expect((await rule('Hosts by pattern', 10, [{ path: 'data.host', op: 'matches', value: '^(a+)+$' }])).statusCode).toBe(201);
    expect((await rule('Every host', 20, [])).statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  const raise = (id: string, host: string) =>
    t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'host.checked', id, data: { host }, recipients: { oncall: ['ann@example.com'] } } });

  it('a pattern stopped at its deadline: the answer and GET /events/:id name the rule and why; the next rule still mails', async () => {
    const res = await raise('slow-1', `${'a'.repeat(5_000)}!`);
    expect(res.statusCode, res.body).toBe(202);
    const expected = [
      { ruleName: 'Hosts by pattern', messageIds: [], skipped: { code: 'pattern_undecided', message: 'condition not met: data.host matches /^(a+)+$/ (the pattern ran longer than 50 ms (twice) and was stopped)' } },
      { ruleName: 'Every host', messageIds: [expect.stringMatching(/^msg_/)] },
    ];
    expect(res.json().matches).toMatchObject(expected);
    const stored = await t.request({ method: 'GET', url: '/api/v1/events/slow-1' });
    expect(stored.json().matches).toMatchObject(expected);
    expect(stored.json().messages).toHaveLength(1);
  });

  it('overlong text is not tried: on the record too', async () => {
    const res = await raise('long-1', 'a'.repeat(10_001));
    expect(res.json().matches[0]).toMatchObject({ ruleName: 'Hosts by pattern', messageIds: [], skipped: { code: 'pattern_undecided', message: expect.stringContaining('longer than 10000 characters') } });
  });

  it('a pattern that simply does not match is no entry (only undecided ones are)', async () => {
    const res = await raise('plain-1', 'db-01');
    expect(res.json().matches).toMatchObject([{ ruleName: 'Every host' }]);
    expect(res.json().matches).toHaveLength(1);
  });

  it('the dry run lists it among skipped, as the event would record it', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: { type: 'host.checked', data: { host: `${'a'.repeat(5_000)}!` }, recipients: { oncall: ['ann@example.com'] } } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().skipped).toMatchObject([{ ruleName: 'Hosts by pattern', code: 'pattern_undecided' }]);
    expect(res.json().messages).toHaveLength(1);
  });
});
