import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startMailroom, type Live } from '../e2e/harness.js';
import { DocumentChecker } from '../helpers/openapi-check.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { haveSmtpSink, messageIdOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The SDK built from the OpenAPI document of a running Mailroom (API and workers on a free
 * port), used over real HTTP against Postfix's smtp-sink: send, follow to "sent", list with the
 * cursor iterator, a 4xx as a MailroomError with the server's code, a template preview, and the
 * message.sent webhook verified with the SDK's one-line check.
 */
const sinkOk = haveSmtpSink();

// The SDK is built here from the live server's document, so its types do not exist when this
// file is compiled; test/integration/sdk-types.test.ts runs tsc over code that uses them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built = any;

await describeEachDialect('the SDK against a live Mailroom', (dialect) => {
  if (!sinkOk) return;
  let live: Live;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let build: SdkBuild;
  let sdk: Built;
  let mailroom: Built;
  // Every answer the SDK receives, checked against the document it was built from.
  const problems: string[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    live = await startMailroom(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const document = await (await fetch(`${live.baseUrl}/docs/json`)).json();
    build = await buildSdkFrom(document);
    expect(build.problems).toBe('');
    sdk = await build.load<Built>();
    const check = new DocumentChecker(document);
    const checked = async (request: Request) => {
      const response = await fetch(request);
      const url = new URL(request.url);
      problems.push(...check.problems(request.method, url.pathname + url.search, response.status, response.headers.get('content-type') ?? undefined, await response.clone().text()));
      return response;
    };
    mailroom = new sdk.Mailroom({ url: live.baseUrl, apiKey: live.t.adminKey, fetch: checked });
  }, 180_000);
  afterAll(async () => {
    await live?.close();
    await sink?.stop();
    await receiver?.stop();
    build?.remove();
  });

  it('configures Mailroom through the typed client, sends, follows the message to sent and finds it in the list', async () => {
    const server = await mailroom.api.POST('/api/v1/servers', { body: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false, connectTimeoutSec: 5, sendTimeoutSec: 5 } } });
    expect(server.response.status).toBe(201);
    const account = await mailroom.api.POST('/api/v1/accounts', { body: { serverId: server.data!.id, address: 'app@example.com', fromName: 'Example App' } });
    expect(account.response.status).toBe(201);
    const hook = await mailroom.api.POST('/api/v1/webhooks', { body: { url: `${receiver.url}`, events: ['message.sent'] } });
    expect(hook.response.status).toBe(201);
    receiver.secrets.push(hook.data!.secret);

    const hello = { to: ['Ann <ann@example.net>'], subject: 'Hello from the SDK', text: 'Hi Ann', purpose: 'alert' };
    const accepted = await mailroom.messages.send(hello);
    expect(accepted.status).toBe('queued');
    const message = await mailroom.messages.waitFor(accepted.id, { until: ['sent', 'failed'], timeoutMs: 20_000, intervalMs: 200 });
    expect(message.status).toBe('sent');
    expect(message.recipients).toEqual([expect.objectContaining({ address: 'ann@example.net', status: 'accepted', code: 250 })]);
    expect(message.idempotencyKey).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(sink.messages().filter((d) => messageIdOf(d) === message.messageIdHeader)).toHaveLength(1);

    // The same message with the same key again: the first message, nothing sent twice.
    const again = await mailroom.messages.send({ ...hello, idempotencyKey: message.idempotencyKey! });
    expect(again.id).toBe(accepted.id);

    for (let i = 0; i < 3; i++) await mailroom.messages.send({ to: `page${i}@example.net`, subject: `Page ${i}`, text: 'x', purpose: 'report' });
    const seen: string[] = [];
    // limit 2: the iterator must follow nextCursor over several pages.
    for await (const m of mailroom.messages.list({ limit: 2 }) as AsyncIterable<{ id: string }>) seen.push(m.id);
    expect(seen).toContain(accepted.id);
    expect(seen.length).toBe(4);
    expect(new Set(seen).size).toBe(4);
    const reports: string[] = [];
    for await (const m of mailroom.messages.list({ purpose: 'report' }) as AsyncIterable<{ subject: string }>) reports.push(m.subject);
    expect(reports.sort()).toEqual(['Page 0', 'Page 1', 'Page 2']);
  });

  it('verifies the message.sent webhook with the SDK and refuses a tampered one', async () => {
    const deadline = Date.now() + 20_000;
    while (!receiver.received.some((w) => w.type === 'message.sent') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const w = receiver.received.find((r) => r.type === 'message.sent');
    if (!w) throw new Error('no message.sent webhook arrived');
    const headers = { 'webhook-id': w.id, 'webhook-timestamp': w.timestamp, 'webhook-signature': w.signature };
    const event = mailroom.webhooks.verify(w.body, headers, receiver.secrets[0]);
    expect(event.type).toBe('message.sent');
    expect(event.data).toMatchObject({ status: 'sent', messageId: expect.stringMatching(/^msg_/) });
    expect(sdk.verifyWebhook(w.body, new Headers(headers), receiver.secrets[0]).type).toBe('message.sent');
    expect(() => mailroom.webhooks.verify(w.body.replace('"sent"', '"failed"'), headers, receiver.secrets[0])).toThrow();
    expect(() => mailroom.webhooks.verify(w.body, headers, 'whsec_' + Buffer.alloc(32, 1).toString('base64'))).toThrow();
  });

  it('surfaces refusals as MailroomError with the server code, status and details', async () => {
    const refused = async (p: Promise<unknown>): Promise<{ code: string; status: number; details: unknown }> => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(sdk.isMailroomError(err), String(err)).toBe(true);
      return err as { code: string; status: number; details: unknown };
    };
    const unknownPurpose = await refused(mailroom.messages.send({ to: 'a@example.net', subject: 'x', text: 'y', purpose: 'no_such_purpose' }));
    expect(unknownPurpose).toMatchObject({ code: 'MAILROOM_E_UNKNOWN_PURPOSE', status: 422 });
    const injected = await refused(mailroom.messages.send({ to: 'a@example.net', subject: 'x\r\nBcc: evil@example.org', text: 'y' }));
    expect(injected).toMatchObject({ code: 'MAILROOM_E_HEADER_INJECTION', status: 400 });
    const missing = await refused(mailroom.messages.get('msg_does_not_exist'));
    expect(missing).toMatchObject({ code: 'MAILROOM_E_NOT_FOUND', status: 404, details: { kind: 'message', id: 'msg_does_not_exist' } });
    const queued = await mailroom.messages.send({ to: 'later@example.net', subject: 'Later', text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await mailroom.messages.cancel(queued.id)).status).toBe('cancelled');
    const twice = await refused(mailroom.messages.cancel(queued.id));
    expect(twice).toMatchObject({ code: 'MAILROOM_E_INVALID_STATE', status: 409 });
    expect((await mailroom.messages.retry(queued.id)).status).toBe('queued');
    const stranger = new sdk.Mailroom({ url: live.baseUrl, apiKey: 'mrk_not_a_key' });
    expect(await refused(stranger.messages.get(queued.id))).toMatchObject({ code: 'MAILROOM_E_UNAUTHENTICATED', status: 401 });
  });

  it('raises an event that a rule turns into mail, once, and reads what it produced', async () => {
    const rule = await mailroom.api.POST('/api/v1/rules', { body: { name: 'Critical alerts to on-call', events: ['alert.*'], conditions: [{ path: 'data.alert.status', op: 'eq', value: 'CRIT' }], recipients: { roles: ['oncall'] }, template: 'alert' } });
    expect(rule.response.status, JSON.stringify(rule.error)).toBe(201);
    const alert = { status: 'CRIT', is_recovery: false, host: { name: 'db-01' }, service: { display_name: 'Disk /var' }, message: '96 % used', host_url: 'https://monitor.example.com/db-01', acknowledged_by: null };
    const raised = await mailroom.events.emit({ type: 'alert.triggered', data: { alert }, recipients: { oncall: ['Olga <olga@example.net>'] } });
    expect(raised.id).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(raised.duplicate).toBe(false);
    expect(raised.matches).toEqual([expect.objectContaining({ ruleId: rule.data!.id, messageIds: [expect.stringMatching(/^msg_/)] })]);
    const sent = await mailroom.messages.waitFor(raised.matches[0].messageIds[0], { until: ['sent', 'failed'], timeoutMs: 20_000, intervalMs: 200 });
    expect(sent.status).toBe('sent');
    expect(sent.recipients).toEqual([expect.objectContaining({ address: 'olga@example.net', status: 'accepted' })]);
    // The same id again: the first answer, no second mail.
    const again = await mailroom.events.emit({ type: 'alert.triggered', id: raised.id, data: { alert }, recipients: { oncall: ['Olga <olga@example.net>'] } });
    expect(again).toMatchObject({ id: raised.id, duplicate: true, matches: raised.matches });
    expect((await mailroom.events.get(raised.id)).id).toBe(raised.id);
    const ids: string[] = [];
    for await (const e of mailroom.events.list({ type: 'alert.triggered' }) as AsyncIterable<{ id: string }>) ids.push(e.id);
    expect(ids).toEqual([raised.id]);
    const refused = await mailroom.events.emit({ type: 'alert.triggered', data: { alert }, recipients: { oncall: 'not an address' } }).then(() => undefined, (e: unknown) => e);
    expect(sdk.isMailroomError(refused), String(refused)).toBe(true);
  });

  it('keeps the suppression list: add, list, a send to a listed address is suppressed, remove', async () => {
    const entry = await mailroom.suppressions.add({ address: 'Gone@Example.net', detail: 'left the company' });
    expect(entry).toMatchObject({ address: 'gone@example.net', reason: 'manual', detail: 'left the company' });
    const listed: string[] = [];
    for await (const s of mailroom.suppressions.list({ q: 'example.net' }) as AsyncIterable<{ address: string }>) listed.push(s.address);
    expect(listed).toEqual(['gone@example.net']);
    const twice = await mailroom.suppressions.add({ address: 'gone@example.net' }).then(() => undefined, (e: unknown) => e);
    expect(twice).toMatchObject({ code: 'MAILROOM_E_DUPLICATE', status: 409 });
    const skipped = await mailroom.messages.send({ to: 'gone@example.net', subject: 'Still there?', text: 'x' });
    expect(skipped.status).toBe('suppressed');
    await mailroom.suppressions.remove('gone@example.net');
    const missing = await mailroom.suppressions.remove('gone@example.net').then(() => undefined, (e: unknown) => e);
    expect(missing).toMatchObject({ code: 'MAILROOM_E_NOT_FOUND', status: 404 });
  });

  it('previews a template in a locale', async () => {
    const preview = await mailroom.templates.preview('password_reset', { locale: 'de', data: { user: { name: 'Ann' }, reset_url: 'https://example.com/reset/1', expires_in_minutes: 30 } });
    expect(preview.locale).toBe('de');
    expect(preview.subject.length).toBeGreaterThan(0);
    expect(preview.html).toContain('https://example.com/reset/1');
  });

  it('received only answers the OpenAPI document describes, field for field', () => {
    expect(problems).toEqual([]);
  });
});
