import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, rcptsOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The access-request flow end to end: three rules scoped by company, an event naming owner,
 * approver and requester, and exactly the expected people getting exactly the expected
 * templates from the expected accounts at a real SMTP peer (Postfix's smtp-sink). The same
 * event id again sends nothing.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('events: the access-request flow', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  let ops: string;
  let security: string;
  const rules: Record<string, string> = {};

  // smtp-sink names its dumps by the second and a random suffix: what is new is what was not there before.
  const newDumps = (before: Set<string>) => sink.messages().filter((d) => !before.has(d));
  const post = async (url: string, payload: unknown, status: number) => {
    const res = await t.request({ method: 'POST', url: `/api/v1${url}`, payload: payload as object });
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const server = await post('/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } }, 201);
    ops = (await post('/accounts', { serverId: server.id, address: 'ops@example.com', fromName: 'Ops' }, 201)).id;
    security = (await post('/accounts', { serverId: server.id, address: 'security@example.com', fromName: 'Security' }, 201)).id;
    const ack = await t.request({
      method: 'PUT',
      url: '/api/v1/templates/access_ack',
      payload: {
        name: 'Access request received',
        purpose: 'access_request',
        layout: null,
        sampleData: { company: 'Acme', resource: { name: 'Wiki' }, recipient: { name: 'Ann' }, event: { id: 'ar-1' } },
        locales: { en: { subject: 'We received your request for {{ resource.name }}', text: 'Hello {{ recipient.name }}, your request {{ event.id }} ({{ company }}) is with the approvers.' } },
      },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    rules.acme = (
      await post('/rules', { name: 'Acme: owners and approvers', priority: 10, events: ['access.request.created'], conditions: [{ path: 'data.company', op: 'eq', value: 'Acme' }], recipients: { roles: ['owner', 'approver'] }, template: 'access_request', accountId: ops, continue: true }, 201)
    ).id;
    rules.ack = (
      await post('/rules', { name: 'Tell the requester', priority: 20, events: ['access.request.*'], conditions: [{ path: 'data.company', op: 'in', value: ['Acme', 'Initech'] }], recipients: { roles: ['requester'] }, template: 'access_ack', accountId: security }, 201)
    ).id;
    rules.globex = (
      await post('/rules', { name: 'Globex: approvers', priority: 30, events: ['access.request.created'], conditions: [{ path: 'data.company', op: 'eq', value: 'Globex' }], recipients: { roles: ['approver'] }, template: 'access_request', accountId: ops }, 201)
    ).id;
    // Would mail everything if tried: the first two rules must stop before it for Acme.
    rules.catchAll = (await post('/rules', { name: 'Catch-all', priority: 40, events: ['*'], recipients: { addresses: ['fallback@example.com'] }, template: 'alert' }, 201)).id;
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const acmeEvent = {
    type: 'access.request.created',
    id: 'access-request-42:created',
    data: { company: 'Acme', requester: { name: 'Rita Requester', email: 'rita@acme.test' }, resource: { name: 'Production database' }, reason: 'Ticket OPS-1', review_url: 'https://app.example.com/ar/42' },
    recipients: { owner: ['Olga Owner <olga@acme.test>'], approver: ['Abe Approver <abe@acme.test>', 'OLGA@acme.test'], requester: ['Rita Requester <rita@acme.test>'] },
  };

  it('mails exactly the owner and approver (once each, from Ops, access_request) and the requester (from Security, access_ack)', async () => {
    const before = new Set(sink.messages());
    const answer = await post('/events', acmeEvent, 202);
    expect(answer.id).toBe('access-request-42:created');
    expect(answer.duplicate).toBe(false);
    expect(answer.matches.map((m: { ruleId: string }) => m.ruleId)).toEqual([rules.acme, rules.ack]);
    expect(answer.matches[0].messageIds).toHaveLength(2);
    expect(answer.matches[1].messageIds).toHaveLength(1);
    await dispatcher.drain();
    const dumps = newDumps(before);
    expect(dumps).toHaveLength(3);
    const mails = await Promise.all(dumps.map(async (d) => ({ rcpts: rcptsOf(d), mail: await simpleParser(d) })));
    const byRcpt = Object.fromEntries(mails.map((m) => [m.rcpts.join(','), m.mail]));
    expect(Object.keys(byRcpt).sort()).toEqual(['abe@acme.test', 'olga@acme.test', 'rita@acme.test']);
    for (const who of ['abe@acme.test', 'olga@acme.test']) {
      expect(byRcpt[who].from?.value[0].address).toBe('ops@example.com');
      expect(byRcpt[who].subject).toBe('Rita Requester requests access to Production database');
      expect(byRcpt[who].to && 'value' in byRcpt[who].to ? byRcpt[who].to.value.map((v) => v.address) : []).toEqual([who]);
    }
    expect(byRcpt['olga@acme.test'].to && 'value' in byRcpt['olga@acme.test'].to ? byRcpt['olga@acme.test'].to.value[0].name : '').toBe('Olga Owner');
    const rita = byRcpt['rita@acme.test'];
    expect(rita.from?.value[0].address).toBe('security@example.com');
    expect(rita.subject).toBe('We received your request for Production database');
    expect(rita.text).toContain('Hello Rita Requester, your request access-request-42:created (Acme) is with the approvers.');
  });

  it('the same event again answers the first answer and sends nothing; its id with another body is refused', async () => {
    const first = (await t.request({ method: 'GET', url: `/api/v1/events/${encodeURIComponent(acmeEvent.id)}` })).json();
    const before = sink.count();
    const again = await post('/events', acmeEvent, 202);
    expect(again.duplicate).toBe(true);
    expect(again.matches).toEqual(first.matches);
    const changed = await post('/events', { ...acmeEvent, data: { ...acmeEvent.data, company: 'Globex' } }, 422);
    expect(changed.error.code).toBe('MAILROOM_E_IDEMPOTENCY_MISMATCH');
    await dispatcher.drain();
    expect(sink.count()).toBe(before);
    const list = (await t.request({ method: 'GET', url: '/api/v1/events?type=access.request.created' })).json();
    expect(list.items.filter((e: { id: string }) => e.id === acmeEvent.id)).toHaveLength(1);
  });

  it('the event shows its messages, and each message links back to the event and rule', async () => {
    const e = (await t.request({ method: 'GET', url: `/api/v1/events/${encodeURIComponent(acmeEvent.id)}` })).json();
    expect(e.messageCount).toBe(3);
    expect(e.messages.map((m: { status: string }) => m.status)).toEqual(['sent', 'sent', 'sent']);
    const rita = e.messages.find((m: { to: string[] }) => m.to[0] === 'rita@acme.test');
    expect(rita.ruleId).toBe(rules.ack);
    const msg = (await t.request({ method: 'GET', url: `/api/v1/messages/${rita.id}` })).json();
    expect(msg.event).toEqual({ eventId: acmeEvent.id, ruleId: rules.ack });
    expect(msg.source).toBe('notify');
    expect(msg.template).toMatchObject({ key: 'access_ack', locale: 'en' });
  });

  it('another company takes its own rule: Globex approvers (Abe and Olga) only, and the requester rule does not match', async () => {
    const before = new Set(sink.messages());
    const answer = await post('/events', { ...acmeEvent, id: 'access-request-43:created', data: { ...acmeEvent.data, company: 'Globex' } }, 202);
    expect(answer.matches.map((m: { ruleId: string }) => m.ruleId)).toEqual([rules.globex]);
    await dispatcher.drain();
    const dumps = newDumps(before);
    expect(dumps.flatMap((d) => rcptsOf(d)).sort()).toEqual(['OLGA@acme.test', 'abe@acme.test']);
  });

  it('an event of a type no scoped rule names reaches the catch-all; a bad event is refused with a code and stores nothing', async () => {
    const answer = await post('/events', { type: 'alert.triggered', data: { alert: { name: 'disk' } } }, 202);
    expect(answer.id).toMatch(/^evt_/);
    expect(answer.matches.map((m: { ruleId: string }) => m.ruleId)).toEqual([rules.catchAll]);
    // The alert template needs fields this event lacks: the rule is skipped with the code, the event is kept.
    expect(answer.matches[0].messageIds).toEqual([]);
    expect(answer.matches[0].skipped.code).toBe('MAILROOM_E_TEMPLATE_RENDER');
    expect((await t.request({ method: 'GET', url: `/api/v1/events/${answer.id}` })).json().matches[0].skipped.message).toMatch(/alert/);
    const bad = await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'Access Request!', id: 'x1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MAILROOM_E_VALIDATION');
    const badAddress = await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'a.b', id: 'x2', recipients: { owner: ['evil@example.com\r\nBcc: x@example.com'] } } });
    expect(badAddress.statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/x2' })).statusCode).toBe(404);
  });

  it("global copies follow the purpose's setting: with access_request's globalCopies on, the archive gets a BCC", async () => {
    const settings = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { globalBcc: ['archive@example.com'] } });
    expect(settings.statusCode, settings.body).toBe(200);
    const purpose = (await t.request({ method: 'GET', url: '/api/v1/purposes/access_request' })).json();
    const on = await t.request({ method: 'PATCH', url: '/api/v1/purposes/access_request', payload: { globalCopies: true, version: purpose.version } });
    expect(on.statusCode, on.body).toBe(200);
    const before = new Set(sink.messages());
    await post('/events', { ...acmeEvent, id: 'access-request-44:created', recipients: { requester: ['rita@acme.test'] } }, 202);
    await dispatcher.drain();
    expect(newDumps(before).map((d) => rcptsOf(d).sort())).toEqual([['archive@example.com', 'rita@acme.test']]);
  });
});
