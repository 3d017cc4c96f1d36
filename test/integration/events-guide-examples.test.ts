import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * docs/events.md read as an application developer reads it: every curl example in it, taken
 * from the page itself, run in the page's order against one Mailroom (a send key as $KEY, an
 * admin key as $ADMIN, "acc_…" and "srv_…" the reader's own account and server) delivering to
 * a real SMTP peer. Each must work as written, and the answers the page shows must be the ones
 * a reader gets.
 */
interface Example {
  method: 'POST' | 'PUT' | 'PATCH';
  key: 'KEY' | 'ADMIN';
  path: string;
  body: Record<string, unknown>;
}

const CURL = /curl -s (?:-X (PUT|PATCH) )?-H "Authorization: Bearer \$(KEY|ADMIN)" -H 'content-type: application\/json' -d '([\s\S]*?)' \$API(\/\S+)/g;

function guideExamples(accountId: string, serverId: string): Example[] {
  const page = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const blocks = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((block) =>
    [...block.matchAll(CURL)].map((m) => ({
      method: (m[1] ?? 'POST') as Example['method'],
      key: m[2] as Example['key'],
      path: m[4],
      body: JSON.parse(m[3].replaceAll('"acc_…"', JSON.stringify(accountId)).replaceAll('"srv_…"', JSON.stringify(serverId))) as Record<string, unknown>,
    })),
  );
}

const READ = /curl -s -H "Authorization: Bearer \$(KEY|ADMIN)" "\$API(\/[^"]+)"/g;

/** The page's reading examples (no body): which key and which path. */
function guideReads(): { key: Example['key']; path: string }[] {
  const page = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  return [...page.matchAll(READ)].map((m) => ({ key: m[1] as Example['key'], path: m[2] }));
}

const sinkOk = haveSmtpSink();

await describeEachDialect('docs/events.md: every example as written', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  let examples: Example[];
  const keys: Record<Example['key'], string> = { KEY: '', ADMIN: '' };

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } } });
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'app@example.com', fromName: 'App' } });
    expect(account.statusCode, account.body).toBe(201);
    for (const [name, scope] of [['KEY', 'send'], ['ADMIN', 'admin']] as const) {
      keys[name] = (await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: `guide-${scope}`, scopes: [scope] }, null)).key;
    }
    examples = guideExamples(account.json().id, server.json().id);
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const run = (e: Example) => t.request({ method: e.method, url: `/api/v1${e.path}`, payload: e.body, key: keys[e.key] });
  const raised = (id: string) => examples.find((e) => e.path === '/events' && e.body.id === id)!;

  it('the page has its examples where the test looks for them', () => {
    expect(examples.length).toBeGreaterThanOrEqual(17);
    expect(examples.filter((e) => e.path === '/events').map((e) => e.body.id)).toEqual([
      'access-request-42:created',
      'access-request-42:approved',
      'alert-9911',
      'contact-form-5512',
      'report-2026-w48',
      'report-2026-w49',
    ]);
  });

  it('every example, in the order of the page, is taken (2xx); the answers are the ones the page shows', async () => {
    const answers: { example: Example; status: number; body: Record<string, unknown> }[] = [];
    for (const example of examples) {
      const res = await run(example);
      expect(res.statusCode, `${example.method} ${example.path} ${JSON.stringify(example.body).slice(0, 120)}: ${res.body}`).toBeLessThan(300);
      answers.push({ example, status: res.statusCode, body: res.json() });
    }
    const answerTo = (id: string) => answers.find((a) => a.example.path === '/events' && a.example.body.id === id)!.body;
    // Raised before any rule exists: stored, nothing matched.
    expect(answerTo('access-request-42:created')).toEqual({ id: 'access-request-42:created', type: 'access.request.created', matches: [], duplicate: false });
    const approved = answerTo('access-request-42:approved').matches as { ruleName: string; messageIds: string[] }[];
    expect(approved).toMatchObject([{ ruleName: 'Status changes to the requester', messageIds: [expect.any(String)] }]);
    // The template greets by recipient.name, null for Rita's bare address.
    const status = (await t.request({ method: 'GET', url: `/api/v1/messages/${approved[0].messageIds[0]}`, key: keys.ADMIN })).json();
    expect(status.subject).toBe('Your access to Production database: approved');
    expect(status.text).toContain('Hello there,\n\nyour request for Production database is now approved.');
    expect(answerTo('alert-9911').matches).toMatchObject([{ ruleName: 'Critical alerts', messageIds: [expect.any(String), expect.any(String)] }]);
    // The sales rule mails sales; the auto-reply is switched on only further down the page.
    expect(answerTo('contact-form-5512').matches).toMatchObject([{ ruleName: 'Contact form to sales', messageIds: [expect.any(String)] }]);
    expect(answerTo('report-2026-w48').matches).toMatchObject([{ ruleName: 'Weekly report', messageIds: [expect.any(String), expect.any(String)] }]);
    // Report mail switched on: the built-in rule mails both subscribers, and the rule does too.
    expect(answerTo('report-2026-w49').matches).toMatchObject([
      { ruleId: 'report-mail', messageIds: [expect.any(String), expect.any(String)] },
      { ruleName: 'Weekly report', messageIds: [expect.any(String), expect.any(String)] },
    ]);
    // The dry run's answer as the page shows it: the alert rule's verdict with its reason, no mail.
    const dry = answers.find((a) => a.example.path === '/rules/test')!.body as { rules: { ruleName: string }[]; messages: unknown[]; skipped: unknown[] };
    expect(dry.rules.find((r) => r.ruleName === 'Critical alerts')).toEqual({ ruleId: expect.stringMatching(/^rul_/), ruleName: 'Critical alerts', matched: false, reason: 'condition not met: data.alert.status in ["CRIT","DOWN"]' });
    expect(dry.messages).toEqual([]);
    expect(dry.skipped).toEqual([]);
    await dispatcher.drain();
    const made = answers.filter((a) => a.example.path === '/events').flatMap((a) => (a.body.matches as { messageIds: string[] }[]).flatMap((m) => m.messageIds));
    expect(sink.count()).toBe(made.length);
  }, 120_000);

  it('the first event raised again: the first answer (duplicate); under a new id with the rules saved, the answer the page shows', async () => {
    const first = raised('access-request-42:created');
    const again = await run(first);
    expect(again.json()).toEqual({ id: 'access-request-42:created', type: 'access.request.created', matches: [], duplicate: true });
    const anew = await run({ ...first, body: { ...first.body, id: 'access-request-43:created' } });
    expect(anew.statusCode, anew.body).toBe(202);
    // Olga (owner and approver) once, Abe, and the rule's fixed audit address: three messages.
    expect(anew.json()).toEqual({
      id: 'access-request-43:created',
      type: 'access.request.created',
      duplicate: false,
      matches: [{ ruleId: expect.stringMatching(/^rul_/), ruleName: 'Acme: owners and approvers', messageIds: [expect.stringMatching(/^msg_/), expect.stringMatching(/^msg_/), expect.stringMatching(/^msg_/)] }],
    });
    const detail = (await t.request({ method: 'GET', url: `/api/v1/events/${encodeURIComponent('access-request-43:created')}`, key: keys.ADMIN })).json();
    expect(detail.messages.map((m: { to: string[] }) => m.to[0]).sort()).toEqual(['abe@acme.example', 'audit@acme.example', 'olga@acme.example']);
  });

  it('a template of your own using recipient.* (without a default) and no recipient in sampleData is refused at save, naming the variable', async () => {
    const status = examples.find((e) => e.path === '/templates/access_request_status')!;
    const body = { ...status.body, locales: { en: { subject: 'Your access', text: 'Hello {{ recipient.name }}' } }, sampleData: { status: 'approved' } };
    const res = await run({ ...status, path: '/templates/access_request_status_2', body });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER', message: expect.stringContaining('undefined variable: recipient') });
  });

  it("the page's reading examples answer with the key they show (and the send key may not read)", async () => {
    const reads = guideReads();
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const r of reads) {
      const res = await t.request({ method: 'GET', url: `/api/v1${r.path}`, key: keys[r.key] });
      expect(res.statusCode, `${r.path}: ${res.body}`).toBe(200);
      expect((await t.request({ method: 'GET', url: `/api/v1${r.path}`, key: keys.KEY })).statusCode).toBe(403);
    }
    const one = reads.find((r) => r.path.startsWith('/events/'))!;
    expect((await t.request({ method: 'GET', url: `/api/v1${one.path}`, key: keys.ADMIN })).json().messageCount).toBe(3);
  });

  it("a contact form subject with a line break: the page's sales template folds it (squish), so sales still hears of it, on one subject line", async () => {
    const contact = raised('contact-form-5512');
    const data = contact.body.data as Record<string, string>;
    const res = await run({ ...contact, body: { ...contact.body, id: 'contact-form-5513', data: { ...data, subject: 'Pricing\r\nBcc: everyone@example.org' } } });
    expect(res.statusCode, res.body).toBe(202);
    const sales = (res.json().matches as { ruleName: string; messageIds: string[] }[]).find((m) => m.ruleName === 'Contact form to sales')!;
    expect(sales).not.toHaveProperty('skipped');
    const message = (await t.request({ method: 'GET', url: `/api/v1/messages/${sales.messageIds[0]}`, key: keys.ADMIN })).json();
    expect(message.subject).toBe('Contact form: Pricing Bcc: everyone@example.org');
    // An escape sequence or a bell a visitor's browser let through is folded the same way.
    const escaped = await run({ ...contact, body: { ...contact.body, id: 'contact-form-5514', data: { ...data, subject: '\u001b[31mPricing\u0007 now' } } });
    const salesToo = (escaped.json().matches as { ruleName: string; messageIds: string[] }[]).find((m) => m.ruleName === 'Contact form to sales')!;
    expect(salesToo).not.toHaveProperty('skipped');
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${salesToo.messageIds[0]}`, key: keys.ADMIN })).json().subject).toBe('Contact form: [31mPricing now');
  });

  it('without the fold, the rule says why it sent nothing (skipped MAILROOM_E_HEADER_INJECTION for a line break, MAILROOM_E_VALIDATION for a bell), never a second header', async () => {
    const put = await t.request({ method: 'PUT', url: '/api/v1/templates/contact_unfolded', key: keys.ADMIN, payload: { name: 'Unfolded', locales: { en: { subject: 'Contact form: {{ subject }}', text: '{{ message }}' } }, sampleData: { subject: 'S', message: 'M' } } });
    expect(put.statusCode, put.body).toBe(200);
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', key: keys.ADMIN, payload: { name: 'Unfolded', events: ['contact.unfolded'], recipients: { addresses: ['sales@example.com'] }, template: 'contact_unfolded' } });
    expect(rule.statusCode, rule.body).toBe(201);
    const res = await run({ method: 'POST', key: 'KEY', path: '/events', body: { type: 'contact.unfolded', data: { subject: 'Pricing\r\nBcc: everyone@example.org', message: 'M' } } });
    expect(res.json().matches).toEqual([{ ruleId: rule.json().id, ruleName: 'Unfolded', messageIds: [], skipped: { code: 'MAILROOM_E_HEADER_INJECTION', message: expect.stringContaining('line break') } }]);
    const bell = await run({ method: 'POST', key: 'KEY', path: '/events', body: { type: 'contact.unfolded', data: { subject: 'Pricing\u0007', message: 'M' } } });
    expect(bell.json().matches).toEqual([{ ruleId: rule.json().id, ruleName: 'Unfolded', messageIds: [], skipped: { code: 'MAILROOM_E_VALIDATION', message: expect.stringContaining('the control character \\u0007 at position 22') } }]);
  });
});
