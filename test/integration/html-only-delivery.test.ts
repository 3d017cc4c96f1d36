import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An API message with HTML and no text goes out on the wire as multipart/alternative with a
 * text/plain part derived from the HTML (links kept as text, lists as "* "), so mail clients
 * and spam filters that read the text part see the message; a message with its own text keeps it.
 */
await describeEachDialect('HTML-only mail gets a text part on the wire', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let peer: SmtpPeer;

  beforeAll(async () => {
    peer = await startSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    t = await startTestApp(dialect);
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } });
    expect(server.statusCode, server.body).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'reports@example.com' } });
    expect(account.statusCode, account.body).toBe(201);
    expect((await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { defaultAccountId: account.json().id } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  const deliver = async (payload: object) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload });
    expect(res.statusCode, res.body).toBe(202);
    const before = peer.messages.length;
    await dispatcher.drain();
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` })).json().status).toBe('sent');
    expect(peer.messages.length).toBe(before + 1);
    const raw = peer.messages[peer.messages.length - 1].raw.toString();
    return { raw, mail: await simpleParser(raw) };
  };

  it('derives the text part from the HTML', async () => {
    const html = '<h1>Weekly report</h1><p>All <a href="https://status.example.com/r">systems</a> fine.</p><ul><li>disk 41 %</li></ul>';
    const { raw, mail } = await deliver({ to: ['ann@example.net'], subject: 'Weekly', html });
    expect(raw).toMatch(/^Content-Type: multipart\/alternative; boundary=/im);
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
    expect(mail.html).toBe(html);
    const text = (mail.text ?? '').replace(/\r\n/g, '\n');
    expect(text).toMatch(/weekly report/i);
    expect(text).toContain('systems [https://status.example.com/r]');
    expect(text).toContain('* disk 41 %');
    expect(text).not.toContain('<');
  });

  it('keeps a text part the caller wrote', async () => {
    const { mail } = await deliver({ to: ['ann@example.net'], subject: 'Both', text: 'My own words.', html: '<p>Other words</p>' });
    expect((mail.text ?? '').trim()).toBe('My own words.');
    expect(mail.html).toBe('<p>Other words</p>');
  });
});
