import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

await describeEachDialect('send test email', (dialect) => {
  let t: TestApp;
  let peer: SmtpPeer;
  let dispatcher: Dispatcher;
  let accountId: string;
  let otherId: string;
  // Real time, plus a jump the confirmation test makes (and takes back).
  let ahead = 0;
  const clock = { now: () => Date.now() + ahead };

  beforeAll(async () => {
    peer = await startSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    t = await startTestApp(dialect, { clock });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } })).json();
    accountId = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'alerts@example.com' } })).json().id;
    otherId = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'reports@example.com' } })).json().id;
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  const message = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();

  it('sends a test message from the account to itself through the outbox, followable until sent', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/test`, payload: {} });
    expect(res.statusCode).toBe(202);
    const { messageId } = res.json();
    expect(messageId).toMatch(/^msg_/);
    expect((await message(messageId)).status).toBe('queued');
    await dispatcher.drain();
    const m = await message(messageId);
    expect(m).toMatchObject({ status: 'sent', purpose: 'test' });
    expect(m.routing.accountId).toBe(accountId);
    const got = peer.messages.at(-1)!;
    expect(got.from).toBe('alerts@example.com');
    expect(got.to).toEqual(['alerts@example.com']);
    expect(got.raw.toString()).toContain('Subject: Mailroom test message from alerts@example.com');
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=account.test' })).json();
    expect(audit.items[0]).toMatchObject({ action: 'account.test' });
  });

  it('sends to a given address, and tests several accounts in one call', async () => {
    const one = await t.request({ method: 'POST', url: `/api/v1/accounts/${otherId}/test`, payload: { to: 'ops@example.net' } });
    expect(one.statusCode).toBe(202);
    const many = await t.request({ method: 'POST', url: '/api/v1/accounts/test', payload: { accountIds: [accountId, 'acc_missing', otherId], to: 'ops@example.net' } });
    expect(many.statusCode).toBe(202);
    const { results } = many.json();
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ accountId, messageId: expect.stringMatching(/^msg_/) });
    expect(results[1]).toMatchObject({ accountId: 'acc_missing', error: { code: 'MAILROOM_E_NOT_FOUND' } });
    expect(results[2]).toMatchObject({ accountId: otherId, messageId: expect.stringMatching(/^msg_/) });
    await dispatcher.drain();
    for (const id of [one.json().messageId, results[0].messageId, results[2].messageId]) expect((await message(id)).status).toBe('sent');
    // Delivered concurrently: compare without order.
    expect(peer.messages.slice(-3).map((m) => `${m.from} -> ${m.to[0]}`).sort()).toEqual([
      'alerts@example.com -> ops@example.net',
      'reports@example.com -> ops@example.net',
      'reports@example.com -> ops@example.net',
    ]);
  });

  it('refuses bad input, unknown accounts and non-admins, storing nothing', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items.length;
    const bad = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/test`, payload: { to: 'x@y@z' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MAILROOM_E_INVALID_ADDRESS');
    const inj = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/test`, payload: { to: 'a@example.com\r\nBcc: b@example.com' } });
    expect(inj.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
    expect((await t.request({ method: 'POST', url: '/api/v1/accounts/acc_nope/test', payload: {} })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: '/api/v1/accounts/test', payload: { accountIds: [] } })).statusCode).toBe(400);
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'sender', scopes: ['send'], allowOverride: true }, null);
    const res = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/test`, payload: {}, key });
    expect(res.statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items.length).toBe(before);
  });

  it('confirms several accounts in one call, and the email log lists each one\'s confirmation', async () => {
    // An account that reads its mailbox (the reader is not started: nothing here connects to IMAP).
    const imapServer = (
      await t.request({
        method: 'POST',
        url: '/api/v1/servers',
        payload: { name: 'with imap', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false }, imap: { host: '127.0.0.1', port: 993, security: 'tls' } },
      })
    ).json();
    const readerId = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: imapServer.id, address: 'inbox@example.com', inbound: { folders: ['INBOX'] } } })).json().id;

    const many = await t.request({ method: 'POST', url: '/api/v1/accounts/test', payload: { accountIds: [readerId, accountId], confirm: true } });
    expect(many.statusCode).toBe(202);
    const { results } = many.json();
    expect(results[0]).toEqual({ accountId: readerId, messageId: expect.stringMatching(/^msg_/), confirmation: 'pending', confirmationError: null });
    // The account that does not read its mailbox gets its own refusal; the other was sent.
    expect(results[1]).toMatchObject({ accountId, error: { code: 'MAILROOM_E_INBOUND_NOT_READ' } });
    const withTo = await t.request({ method: 'POST', url: '/api/v1/accounts/test', payload: { accountIds: [readerId], confirm: true, to: 'ops@example.net' } });
    expect(withTo.statusCode).toBe(400);
    expect(withTo.json().error.message).toContain("goes to each account's own mailbox");
    expect((await message(results[0].messageId)).to).toEqual(['inbox@example.com']);

    // The list carries each message's confirmation: pending for the confirmed one, null elsewhere.
    const list = async () => (await t.request({ method: 'GET', url: '/api/v1/messages?purpose=test&limit=100' })).json().items as { id: string; confirmation: string | null }[];
    const byId = (items: { id: string; confirmation: string | null }[]) => Object.fromEntries(items.map((m) => [m.id, m.confirmation]));
    const items = await list();
    expect(byId(items)[results[0].messageId]).toBe('pending');
    const others = items.filter((m) => m.id !== results[0].messageId);
    expect(others.length).toBeGreaterThan(0);
    expect(new Set(others.map((m) => m.confirmation))).toEqual(new Set([null]));
    // Ten minutes later, unconfirmed: the list says timeout, as the detail does.
    ahead = 11 * 60_000;
    try {
      expect(byId(await list())[results[0].messageId]).toBe('timeout');
      expect((await message(results[0].messageId)).confirmation).toBe('timeout');
    } finally {
      ahead = 0;
    }
  });
});
