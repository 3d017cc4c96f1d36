import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Recipients keep their display names where Mailroom shows or sends mail: the messages an
 * event made (while `GET /events/:id` lists their addresses, as it always has), the dry run, and
 * a template test to `Name <addr>`, sent with that name in its To header.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('display names: event messages and template tests', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect);
    const server = await req('POST', 'servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const account = await req('POST', 'accounts', { serverId: server.json().id, address: 'hello@example.com' });
    expect(account.statusCode, account.body).toBe(201);
    const tpl = await req('PUT', 'templates/note', { name: 'Note', locales: { en: { subject: 'Note for {{ recipient.address }}', text: 'Hello {{ recipient.name | default: "there" }}' } }, sampleData: { recipient: { name: 'Sam', address: 'sam@example.org', roles: [] } } });
    expect(tpl.statusCode, tpl.body).toBe(200);
    const rule = await req('POST', 'rules', { name: 'Owners', events: ['thing.happened'], recipients: { roles: ['owner'] }, template: 'note', accountId: account.json().id });
    expect(rule.statusCode, rule.body).toBe(201);
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it("GET /events/:id lists each message's recipient addresses; the message shows them with their names", async () => {
    const owners = ['Olga Owner <olga@acme.example>', '"Doe, John" <jd@acme.example>', 'bare@acme.example'];
    const raised = await req('POST', 'events', { type: 'thing.happened', id: 'thing-1', recipients: { owner: owners } });
    expect(raised.statusCode, raised.body).toBe(202);
    const detail = (await req('GET', 'events/thing-1')).json();
    expect(detail.messages.map((m: { to: string[] }) => m.to)).toEqual([['olga@acme.example'], ['jd@acme.example'], ['bare@acme.example']]);
    expect(await Promise.all(detail.messages.map(async (m: { id: string }) => (await req('GET', `messages/${m.id}`)).json().to))).toEqual(owners.map((o) => [o]));
    // The dry run of the same event shows them the same way.
    const dry = (await req('POST', 'rules/test', { event: { type: 'thing.happened', recipients: { owner: owners } } })).json();
    expect(dry.messages.map((m: { to: string[] }) => m.to)).toEqual(owners.map((o) => [o]));
  });

  it('POST /templates/:key/test to "Name <addr>" keeps the name, in the log and in the To header', async () => {
    // The event's messages above go first: only the test's own mail is new after the next drain.
    await dispatcher.drain();
    const before = new Set(sink.messages());
    const sent = await req('POST', 'templates/note/test', { to: 'Tést Üser <tt@example.org>', accountId: (await req('GET', 'accounts')).json().items[0].id });
    expect(sent.statusCode, sent.body).toBe(202);
    expect((await req('GET', `messages/${sent.json().messageId}`)).json().to).toEqual(['Tést Üser <tt@example.org>']);
    await dispatcher.drain();
    const dumps = sink.messages().filter((d) => !before.has(d));
    expect(dumps).toHaveLength(1);
    const mail = await simpleParser(dumps[0]);
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value).toEqual([{ name: 'Tést Üser', address: 'tt@example.org' }]);
  });
});
