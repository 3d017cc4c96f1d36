import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, rcptsOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Report mail settings at a real SMTP peer: the global switch, the default sender or a chosen
 * account, the subject and body with {name}/{period}/{url}, a report's own account (an
 * override), and "send a test email to me".
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('events: report mail', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  let serverId: string;
  let reportsAccount: string;
  let otherAccount: string;
  let n = 0;

  const dumps = () => new Set(sink.messages());
  const arrived = async (before: Set<string>) => Promise.all(sink.messages().filter((d) => !before.has(d)).map(async (d) => ({ rcpts: rcptsOf(d), mail: await simpleParser(d) })));
  const report = (extra: Record<string, unknown> = {}, key?: string) =>
    t.request({
      method: 'POST',
      url: '/api/v1/events',
      key,
      payload: { type: 'report.ready', id: `report-${++n}`, data: { report: { name: 'Weekly summary', period: '2026-W48', url: 'https://app.example.com/r/48' }, ...extra }, recipients: { subscriber: ['ann@example.net', 'Bob <bob@example.net>'] } },
    });
  const settings = (reports: Record<string, unknown>) => t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { reports } });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    serverId = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } } })).json().id;
    otherAccount = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, address: 'default@example.com' } })).json().id;
    reportsAccount = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, address: 'reports@example.com', fromName: 'Reports' } })).json().id;
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('switched off (the default): a report event makes no report mail', async () => {
    const res = await report();
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().matches).toEqual([]);
  });

  it('switched on with its own account: one message per person, subject and body filled in', async () => {
    const s = await settings({ enabled: true, useDefault: false, serverId, accountId: reportsAccount, subject: 'Report: {name} ({period})', body: 'Your report {name} is ready: {url}' });
    expect(s.statusCode, s.body).toBe(200);
    const before = dumps();
    const res = await report();
    expect(res.json().matches).toEqual([expect.objectContaining({ ruleId: 'report-mail', messageIds: [expect.any(String), expect.any(String)] })]);
    await dispatcher.drain();
    const mails = await arrived(before);
    expect(mails.map((m) => m.rcpts[0]).sort()).toEqual(['ann@example.net', 'bob@example.net']);
    for (const m of mails) {
      expect(m.mail.from?.value[0].address).toBe('reports@example.com');
      expect(m.mail.subject).toBe('Report: Weekly summary (2026-W48)');
      expect(m.mail.text?.trim()).toBe('Your report Weekly summary is ready: https://app.example.com/r/48');
    }
  });

  it('a report may name its own account (an override: refused for a key without it)', async () => {
    const before = dumps();
    const res = await report({ accountId: otherAccount });
    expect(res.json().matches[0].messageIds).toHaveLength(2);
    await dispatcher.drain();
    expect((await arrived(before)).map((m) => m.mail.from?.value[0].address)).toEqual(['default@example.com', 'default@example.com']);
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reporting-app', scopes: ['send'] }, null);
    const refused = await report({ accountId: otherAccount }, key);
    expect(refused.json().matches[0]).toMatchObject({ messageIds: [], skipped: { code: 'MAILROOM_E_OVERRIDE_NOT_ALLOWED' } });
    // Without its own choice, the settings' account is the admin's choice: fine for that key.
    expect((await report({}, key)).json().matches[0].messageIds).toHaveLength(2);
    await dispatcher.drain();
  });

  it("an admin's per-report override: that report from its own account (found by id or name, any case), the others from the settings; the event's own choice still wins", async () => {
    const thirdAccount: string = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, address: 'finance@example.com', fromName: 'Finance' } })).json().id;
    const s = await settings({ overrides: [{ report: 'Weekly summary', accountId: otherAccount }, { report: 'q4-finance', serverId, accountId: thirdAccount }] });
    expect(s.statusCode, s.body).toBe(200);
    expect(s.json().reports.value).toMatchObject({ useDefault: false, accountId: reportsAccount, overrides: [{ report: 'Weekly summary', serverId: null, accountId: otherAccount }, { report: 'q4-finance', serverId, accountId: thirdAccount }] });
    // A send-only key: the admin chose these accounts, the key need not be allowed to override.
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reporting-app-2', scopes: ['send'] }, null);
    const from = async (data: Record<string, unknown>, k?: string) => {
      const before = dumps();
      const res = await t.request({ method: 'POST', url: '/api/v1/events', key: k, payload: { type: 'report.ready', id: `report-${++n}`, data, recipients: { subscriber: ['ann@example.net'] } } });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().matches[0].messageIds, res.body).toHaveLength(1);
      await dispatcher.drain();
      return (await arrived(before)).map((m) => m.mail.from?.value[0].address);
    };
    expect(await from({ report: { name: 'WEEKLY SUMMARY', period: 'W49', url: 'https://app.example.com/r/49' } }, key)).toEqual(['default@example.com']);
    expect(await from({ report: { id: 'Q4-Finance', name: 'Quarterly figures', period: 'Q4', url: 'https://app.example.com/r/q4' } }, key)).toEqual(['finance@example.com']);
    expect(await from({ report: { name: 'Something else', period: 'W49', url: 'https://app.example.com/r/x' } }, key)).toEqual(['reports@example.com']);
    // The event's own account (an override the admin key may make) wins over the list.
    expect(await from({ report: { id: 'q4-finance', name: 'Quarterly figures' }, accountId: reportsAccount })).toEqual(['reports@example.com']);
    // An override must name an account that exists, on its server, once per report.
    for (const overrides of [
      [{ report: 'x', accountId: 'acc_missing' }],
      [{ report: 'x', serverId: 'srv_missing', accountId: otherAccount }],
      [{ report: 'x', accountId: otherAccount }, { report: 'X', accountId: otherAccount }],
      [{ report: ' ', accountId: otherAccount }],
    ]) {
      const bad = await settings({ overrides });
      expect(bad.statusCode, JSON.stringify(overrides)).toBe(400);
      expect(bad.json().error.code).toBe('MAILROOM_E_VALIDATION');
    }
    expect((await settings({ overrides: [] })).json().reports.value.overrides).toEqual([]);
  });

  it('useDefault: the report purpose decides (here the first active account)', async () => {
    await settings({ useDefault: true });
    const before = dumps();
    await report();
    await dispatcher.drain();
    expect((await arrived(before)).map((m) => m.mail.from?.value[0].address)).toEqual(['default@example.com', 'default@example.com']);
  });

  it('send a test email: the saved text with sample values, to the given address (an API key has no mailbox)', async () => {
    await settings({ useDefault: false, accountId: reportsAccount });
    const noTo = await t.request({ method: 'POST', url: '/api/v1/settings/reports/test', payload: {} });
    expect(noTo.statusCode).toBe(400);
    const before = dumps();
    const res = await t.request({ method: 'POST', url: '/api/v1/settings/reports/test', payload: { to: 'me@example.com' } });
    expect(res.statusCode, res.body).toBe(202);
    await dispatcher.drain();
    const [m] = await arrived(before);
    expect(m.rcpts).toEqual(['me@example.com']);
    expect(m.mail.from?.value[0].address).toBe('reports@example.com');
    expect(m.mail.subject).toBe('Report: Weekly security summary (2026-W48)');
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?targetType=settings' })).json().items;
    expect(audit[0]).toMatchObject({ action: 'settings.reports_test' });
  });

  it('refuses settings that cannot work, with a code', async () => {
    for (const reports of [{ useDefault: false, accountId: null }, { accountId: 'acc_missing' }, { serverId: 'srv_missing' }, { subject: 'a\r\nBcc: x@example.com' }]) {
      const res = await settings(reports);
      expect(res.statusCode, JSON.stringify(reports)).toBe(400);
      expect(res.json().error.code).toBe('MAILROOM_E_VALIDATION');
    }
  });
});
