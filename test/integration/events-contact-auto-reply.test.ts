import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, rcptsOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The contact form's auto-reply at a real SMTP peer: one answer with the placeholders filled,
 * none for a second submission the same day, none for machines, and hostile text arriving
 * literally (never run as template code, never a header line of its own).
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('events: contact auto-reply', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  let n = 0;

  const submit = async (data: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'contact.submitted', id: `contact-${++n}`, data } });
    expect(res.statusCode, res.body).toBe(202);
    await dispatcher.drain();
    return res.json();
  };
  // smtp-sink names its dumps by the second and a random suffix: what is new is what was not there before.
  const newMail = async (before: Set<string>) => Promise.all(sink.messages().filter((d) => !before.has(d)).map(async (d) => ({ rcpts: rcptsOf(d), mail: await simpleParser(d) })));
  const dumps = () => new Set(sink.messages());

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } } });
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'hello@example.com', fromName: 'Example Support' } });
    expect(account.statusCode, account.body).toBe(201);
    const s = await t.request({
      method: 'PATCH',
      url: '/api/v1/settings',
      payload: { contactAutoReply: { enabled: true, accountId: account.json().id, subject: 'Re: {subject} ({name})', body: 'Hello {name},\n\nwe received "{subject}" and answer within a day.' } },
    });
    expect(s.statusCode, s.body).toBe(200);
    expect(s.json().contactAutoReply).toMatchObject({ source: 'database', value: { enabled: true } });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('answers a submission once, with the placeholders filled and Auto-Submitted: auto-replied', async () => {
    const before = dumps();
    const a = await submit({ name: 'Ann Smith', email: 'ann@example.net', subject: 'Pricing', message: 'How much?' });
    expect(a.matches).toEqual([expect.objectContaining({ ruleId: 'contact-auto-reply', messageIds: [expect.stringMatching(/^msg_/)] })]);
    const [m, ...more] = await newMail(before);
    expect(more).toHaveLength(0);
    expect(m.rcpts).toEqual(['ann@example.net']);
    expect(m.mail.from?.value[0].address).toBe('hello@example.com');
    expect(m.mail.subject).toBe('Re: Pricing (Ann Smith)');
    expect(m.mail.text?.trim()).toBe('Hello Ann Smith,\n\nwe received "Pricing" and answer within a day.');
    expect(m.mail.headers.get('auto-submitted')).toBe('auto-replied');
    // The log says who chose its account: the settings, not the event's sender.
    const logged = (await t.request({ method: 'GET', url: `/api/v1/messages/${a.matches[0].messageIds[0]}` })).json();
    expect(logged.routing.reason).toBe('account hello@example.com chosen by the contact auto-reply settings');
  });

  it('a second submission from the same address the same day gets no answer (any case of the address)', async () => {
    const before = sink.count();
    const a = await submit({ name: 'Ann', email: 'ANN@example.net', subject: 'Again' });
    expect(a.matches).toEqual([expect.objectContaining({ ruleId: 'contact-auto-reply', messageIds: [], skipped: expect.objectContaining({ code: 'answered_today' }) })]);
    expect(sink.count()).toBe(before);
  });

  it('never answers machines: mailer-daemon, an empty sender, Auto-Submitted, Precedence bulk', async () => {
    const before = sink.count();
    for (const data of [
      { name: 'Mail Delivery System', email: 'MAILER-DAEMON@example.org', subject: 'Undeliverable' },
      { name: 'Nobody', email: '', subject: 'x' },
      { name: 'Bot', email: 'bot@example.org', subject: 'x', headers: { 'Auto-Submitted': 'auto-generated' } },
      { name: 'List', email: 'news@example.org', subject: 'x', headers: { Precedence: 'bulk' } },
    ]) {
      const a = await submit(data);
      expect(a.matches[0]).toMatchObject({ messageIds: [], skipped: { code: 'automated_sender' } });
    }
    expect(sink.count()).toBe(before);
  });

  it('a name holding template code or CR/LF arrives literally and safely', async () => {
    const before = dumps();
    await submit({ name: '{{ 7*7 }}\r\nBcc: victim@example.org', email: 'eve@example.net', subject: '{% raw %}Hi\r\nX-Injected: yes' });
    const [m, ...more] = await newMail(before);
    expect(more).toHaveLength(0);
    expect(m.rcpts).toEqual(['eve@example.net']);
    expect(m.mail.subject).toBe('Re: {% raw %}Hi X-Injected: yes ({{ 7*7 }} Bcc: victim@example.org)');
    expect(m.mail.headers.has('x-injected')).toBe(false);
    expect(m.mail.bcc).toBeUndefined();
    expect(m.mail.text).toContain('Hello {{ 7*7 }}\nBcc: victim@example.org,');
    expect(m.mail.text).not.toContain('49');
  });

  it('C0, DEL, C1 and the line/paragraph separators in the subject become spaces (docs/api.md: control characters)', async () => {
    const before = dumps();
    await submit({ name: 'Zoe\u0085Zed', email: 'zz1@example.com', subject: 'a\u0001b\tc\u007fd\u0085e\u2028f\u2029g', message: 'Hi' });
    const [m, ...more] = await newMail(before);
    expect(more).toHaveLength(0);
    expect(m.rcpts).toEqual(['zz1@example.com']);
    expect(m.mail.subject).toBe('Re: a b c d e f g (Zoe Zed)');
    // The body is plain text, not a header line: the sender's text stays as sent.
    expect(m.mail.text).toContain('we received "a\u0001b\tc\u007fd\u0085e\u2028f\u2029g"');
  });

  it('switched off: a submission is stored and answered by nobody', async () => {
    const off = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { contactAutoReply: { enabled: false } } });
    expect(off.json().contactAutoReply.value).toMatchObject({ enabled: false, subject: 'Re: {subject} ({name})' });
    const before = sink.count();
    const a = await submit({ name: 'Zed', email: 'zed@example.net', subject: 'Hello' });
    expect(a.matches).toEqual([]);
    expect(sink.count()).toBe(before);
    const bad = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { contactAutoReply: { subject: 'Re:\r\nBcc: x@example.com' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MAILROOM_E_VALIDATION');
  });
});
