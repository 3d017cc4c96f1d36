import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The dry run (POST /rules/test) says what the real event would do:
 *  - a draft rule with `"enabled": false` gets the verdict a saved switched-off rule gets (it
 *    used to be judged as enabled, reported matched and its mail rendered);
 *  - a message without a purpose shows `purpose: null`, as GET /messages/:id shows the message
 *    the event really made (the dry run showed "").
 */
await describeEachDialect('the dry run as the saved rule and the real message', (dialect) => {
  let t: TestApp;
  const req = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: object) => t.request({ method, url: `/api/v1/${url}`, payload });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    // A template without a purpose: its messages have none.
    const tpl = await req('PUT', 'templates/no-purpose', { name: 'No purpose', locales: { en: { subject: 'Order {{ n }}', html: null, text: 'Order {{ n }} shipped' } }, sampleData: { n: 1 } });
    expect(tpl.statusCode, tpl.body).toBeLessThan(300);
  });
  afterAll(async () => t?.close());

  const event = { type: 'order.shipped', data: { n: 7 }, recipients: { buyer: ['ann@example.com'] } };
  const draft = { name: 'Draft', events: ['order.shipped'], recipients: { roles: ['buyer'] }, template: 'no-purpose' };

  it('a draft switched off: not matched, "switched off", no message', async () => {
    const res = await req('POST', 'rules/test', { event, rule: { ...draft, enabled: false } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rules: [{ ruleId: 'draft', matched: false, reason: 'switched off' }], messages: [], skipped: [] });

    // The same rule saved switched off gets the same verdict.
    const saved = await req('POST', 'rules', { ...draft, enabled: false });
    expect(saved.statusCode, saved.body).toBe(201);
    const dry = (await req('POST', 'rules/test', { event })).json();
    expect(dry.rules.find((r: { ruleId: string }) => r.ruleId === saved.json().id)).toMatchObject({ matched: false, reason: 'switched off' });
  });

  it('a draft switched on (or saying nothing) matches and renders', async () => {
    for (const rule of [{ ...draft, enabled: true }, draft]) {
      const res = (await req('POST', 'rules/test', { event, rule })).json();
      expect(res.rules).toMatchObject([{ ruleId: 'draft', matched: true }]);
      expect(res.messages).toHaveLength(1);
    }
  });

  it('a message without a purpose: null in the dry run, as on the message the event makes', async () => {
    const dry = (await req('POST', 'rules/test', { event, rule: draft })).json();
    expect(dry.messages).toMatchObject([{ subject: 'Order 7' }]);
    expect(dry.messages[0].purpose).toBeNull();

    const rule = await req('POST', 'rules', { ...draft, name: 'Live' });
    expect(rule.statusCode, rule.body).toBe(201);
    const raised = await req('POST', 'events', event);
    expect(raised.statusCode, raised.body).toBe(202);
    const id = raised.json().matches.find((m: { ruleName: string }) => m.ruleName === 'Live').messageIds[0] as string;
    const message = (await req('GET', `messages/${id}`)).json();
    expect(message.purpose).toBe(dry.messages[0].purpose);
  });
});
