import { simpleParser, type AddressObject } from 'mailparser';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A display name in `replyTo` (a message's own, or its account's default) is kept as `from`
 * and `to` keep theirs: stored and shown in the one text form of a mailbox (the name quoted
 * when it needs it, the domain in ASCII), and written on the wire as the From name is (quoted
 * or RFC 2047-encoded). It used to be accepted and dropped: only the address was kept.
 */

/** nodemailer's smtp-server on a free loopback port, keeping the DATA of every message. */
async function smtpPeer(): Promise<{ port: number; received: string[]; stop(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('latin1'));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

await describeEachDialect('Reply-To keeps its display name', (dialect) => {
  let t: TestApp;
  let peer: Awaited<ReturnType<typeof smtpPeer>>;
  let dispatcher: Dispatcher;
  let accountId: string;

  beforeAll(async () => {
    peer = await smtpPeer();
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false, connectTimeoutSec: 5, sendTimeoutSec: 5 } } });
    expect(server.statusCode, server.body).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'noreply@shop.example', fromName: 'Shop' } });
    expect(account.statusCode, account.body).toBe(201);
    accountId = account.json().id;
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  /** Sends, delivers, and answers the resource and the DATA the peer received (its header lines, and as a mail client reads it). */
  const sendAndCapture = async (payload: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: 'ann@example.net', subject: 'Hello', text: 'Hi', ...payload } });
    expect(res.statusCode, res.body).toBe(202);
    await dispatcher.drain();
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` })).json();
    expect(m.status).toBe('sent');
    const data = peer.received.find((d) => d.includes(`Message-ID: ${m.messageIdHeader}`));
    expect(data).toBeDefined();
    const head = data!.slice(0, data!.indexOf('\r\n\r\n'));
    const replyToLines = head.split(/\r\n(?![ \t])/).filter((l) => /^reply-to:/i.test(l));
    const parsed = await simpleParser(data!);
    return { m, replyToLines, replyTo: (parsed.replyTo as AddressObject | undefined)?.value };
  };

  it('a message: the name survives to the resource and to the wire', async () => {
    const { m, replyToLines, replyTo } = await sendAndCapture({ replyTo: 'Help Desk <help@example.net>' });
    expect(m.replyTo).toBe('Help Desk <help@example.net>');
    expect(replyToLines).toEqual(['Reply-To: Help Desk <help@example.net>']);
    expect(replyTo).toEqual([{ name: 'Help Desk', address: 'help@example.net' }]);
  });

  it('a name with a comma is quoted, in the resource and on the wire', async () => {
    const { m, replyToLines, replyTo } = await sendAndCapture({ replyTo: '"Support, Team" <help@example.net>' });
    expect(m.replyTo).toBe('"Support, Team" <help@example.net>');
    expect(replyToLines).toEqual(['Reply-To: "Support, Team" <help@example.net>']);
    expect(replyTo).toEqual([{ name: 'Support, Team', address: 'help@example.net' }]);
  });

  it('a name with non-ASCII letters (and a comma) is RFC 2047-encoded on the wire, as the From name is', async () => {
    const { m, replyToLines, replyTo } = await sendAndCapture({ from: '"Müller, Büro" <noreply@shop.example>', replyTo: '"Müller, Kundendienst" <help@example.net>' });
    expect(m.replyTo).toBe('"Müller, Kundendienst" <help@example.net>');
    expect(replyToLines).toHaveLength(1);
    expect(replyToLines[0]).toMatch(/^Reply-To: =\?UTF-8\?Q\?[!-~]+\?= <help@example\.net>$/);
    expect(replyTo).toEqual([{ name: 'Müller, Kundendienst', address: 'help@example.net' }]);
  });

  it('is normalised as `to` is: spacing, quoting, the domain in ASCII', async () => {
    const given = '  "Help"   Desk   <Help@Bücher.Example>';
    const { m, replyToLines } = await sendAndCapture({ to: given, replyTo: given });
    expect(m.replyTo).toBe(m.to[0]);
    expect(m.replyTo).toBe('Help Desk <Help@xn--bcher-kva.example>');
    expect(replyToLines).toEqual(['Reply-To: Help Desk <Help@xn--bcher-kva.example>']);
  });

  it('a bare address stays a bare address', async () => {
    const { m, replyToLines } = await sendAndCapture({ replyTo: 'help@example.net' });
    expect(m.replyTo).toBe('help@example.net');
    expect(replyToLines).toEqual(['Reply-To: help@example.net']);
  });

  it("an account's default Reply-To keeps its name, and a message without its own gets it", async () => {
    const get = await t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}` });
    const patch = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${accountId}`, payload: { version: get.json().version, replyTo: ' "Kundendienst,  Zürich"  <desk@Example.NET>' } });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json().replyTo).toBe('"Kundendienst, Zürich" <desk@example.net>');
    expect((await t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}` })).json().replyTo).toBe('"Kundendienst, Zürich" <desk@example.net>');
    const { m, replyTo } = await sendAndCapture({});
    expect(m.replyTo).toBe('"Kundendienst, Zürich" <desk@example.net>');
    expect(replyTo).toEqual([{ name: 'Kundendienst, Zürich', address: 'desk@example.net' }]);
    // The message's own still wins.
    expect((await sendAndCapture({ replyTo: 'Other <other@example.net>' })).m.replyTo).toBe('Other <other@example.net>');
  });

  it('refuses a line break in the name, for a message and for an account, and nothing reaches the peer', async () => {
    const before = peer.received.length;
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: 'ann@example.net', subject: 'x', text: 'x', replyTo: 'Help\r\nBcc: victim@example.org <help@example.net>' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
    const version = (await t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}` })).json().version;
    const patch = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${accountId}`, payload: { version, replyTo: 'Help\nDesk <help@example.net>' } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
    await dispatcher.drain();
    expect(peer.received.length).toBe(before);
  });

  it('refuses a Reply-To longer than 320 characters once written out, naming the field', async () => {
    // 320 characters as given; the domain in ASCII is 8 more.
    const given = `${'a'.repeat(298)} <help@bücher.example>`;
    expect(given.length).toBe(320);
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: 'ann@example.net', subject: 'x', text: 'x', replyTo: given } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'replyTo' } });
  });
});
