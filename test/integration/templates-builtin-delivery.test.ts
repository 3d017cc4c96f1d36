import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, messageIdOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every built-in purpose, in English and German, rendered from its built-in template at accept
 * time, delivered through Postfix's smtp-sink and parsed as a mail client would: the subject,
 * both parts, the layout's brand name, and nothing left unrendered.
 */
const sinkOk = haveSmtpSink();
const PURPOSES = ['invitation', 'magic_link', 'password_reset', 'two_factor', 'alert', 'report', 'access_request', 'contact_autoreply', 'test'];
const BRAND = 'Acme Cloud Ops';
const UNRENDERED = /\{\{|\}\}|\{%|%\}/;

await describeEachDialect('built-in templates through a real SMTP peer', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } } });
    expect(server.statusCode).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'noreply@example.com', fromName: 'Acme' } });
    expect(account.statusCode).toBe(201);
    const branding = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { branding: { name: BRAND, color: '#0f766e', footer: 'Acme Cloud GmbH · Hauptstraße 1 · Wien' } } });
    expect(branding.statusCode, branding.body).toBe(200);
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const arrived = async (messageIdHeader: string): Promise<ParsedMail> => {
    const dump = sink.messages().find((d) => messageIdOf(d) === messageIdHeader);
    expect(dump, `no mail with ${messageIdHeader} at the sink`).toBeDefined();
    return simpleParser(dump as string);
  };

  for (const purpose of PURPOSES) {
    it(`${purpose}: en and de arrive rendered, branded, with both parts`, async () => {
      const tpl = await t.request({ method: 'GET', url: `/api/v1/templates/${purpose}` });
      expect(tpl.statusCode, tpl.body).toBe(200);
      expect(tpl.json()).toMatchObject({ key: purpose, builtIn: true, purpose });
      expect(Object.keys(tpl.json().locales).sort()).toEqual(['de', 'en']);
      const subjects: string[] = [];
      for (const locale of ['en', 'de']) {
        const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { purpose, template: purpose, locale, data: tpl.json().sampleData, to: ['ann@example.net'] } });
        expect(res.statusCode, res.body).toBe(202);
        await dispatcher.drain();
        const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` })).json();
        expect(m.status).toBe('sent');
        expect(m.template).toEqual({ key: purpose, version: tpl.json().version, locale });
        const mail = await arrived(m.messageIdHeader);
        expect(mail.subject).toBe(m.subject);
        expect(mail.subject?.length).toBeGreaterThan(3);
        expect(mail.html).toBeTruthy();
        expect(mail.text).toBeTruthy();
        for (const part of [mail.subject ?? '', mail.html || '', mail.text ?? '']) expect(part).not.toMatch(UNRENDERED);
        expect(mail.html).toContain(BRAND);
        expect(mail.text).toContain(BRAND);
        expect(mail.html).toMatch(new RegExp(`<html[^>]* lang="${locale}"`));
        subjects.push(mail.subject as string);
      }
      // German is not English with another name.
      expect(subjects[0]).not.toBe(subjects[1]);
    });
  }
});
