import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { hintNoStarttls } from '../../src/core/probes/smtp-hints.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { closedPort, selfSignedCert, startSilentServer, startSmtpServer, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { startScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What the email log's API says about mail that did not simply go out, as stored by each
 * dialect: a partly rejected message is "sent" with its rejected count, never a plain "sent";
 * a deferred message carries a plain-language hint for the usual causes (connection refused,
 * TLS required but not offered, a certificate nobody vouches for, login refused, timeout) and its next attempt's time, on the
 * list row and on the attempt (a refused login fails the message: the hint stays, no next
 * try); a manual retry of a message whose lifetime was running out says that it moved the
 * expiry, and when the message now expires.
 */
await describeEachDialect('deferred and partly delivered mail explain themselves', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let cert: Cert;
  const stops: (() => Promise<void>)[] = [];
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const account = async (name: string, smtp: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const server = await post('servers', { name, smtp: { host: '127.0.0.1', connectTimeoutSec: 3, sendTimeoutSec: 3, ...smtp }, retry: { backoffSec: [600] } });
    return (await post('accounts', { serverId: server.id, address: `${name}@example.com`, ...extra })).id as string;
  };
  const send = async (accountId: string, to: string[] = ['rcpt@example.net']) => (await post('messages', { accountId, to, subject: `to ${to.join(', ')}`, text: 'x' })).id as string;
  const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  /** The message as a row of GET /messages (the list's own summary, not the detail). */
  const row = async (id: string) => {
    const list = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=100' })).json() as { items: { id: string }[] };
    const found = list.items.find((m) => m.id === id);
    if (!found) throw new Error(`${id} is not in the list`);
    return found as Record<string, unknown>;
  };
  /** Deferred, with `hint` on the row, the detail and the attempt, and the next try 10 minutes on. */
  const expectDeferredWith = async (id: string, hint: string | RegExp) => {
    const m = await detail(id);
    expect(m.status, JSON.stringify(m)).toBe('deferred');
    const matches = (v: unknown) => (typeof hint === 'string' ? expect(v).toContain(hint) : expect(v).toMatch(hint));
    matches(m.hint);
    matches(m.attempts[0].hint);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'deferred', hint: m.hint, lastError: m.lastError });
    expect(r.nextAttemptAt).toBe(new Date(clock.now() + 600_000).toISOString());
    expect(m.nextAttemptAt).toBe(r.nextAttemptAt);
    return m;
  };

  beforeAll(async () => {
    cert = selfSignedCert(tempDir('mailroom-hint-certs-'), 'hints.mail.test');
    t = await startTestApp(dialect, { clock });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    for (const stop of stops) await stop();
  });

  it('shows a message with one recipient accepted and one refused for good as sent with 1 rejected, on the row and in the detail', async () => {
    const peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(addr, _s, cb) {
        if (addr.address.startsWith('reject-me@')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        cb();
      },
    });
    stops.push(peer.stop);
    const id = await send(await account('half', { port: peer.port, security: 'none', requireTls: false }), ['ok@example.net', 'reject-me@example.net']);
    await dispatcher.drain();
    const m = await detail(id);
    expect(m).toMatchObject({ status: 'sent', rejectedCount: 1 });
    expect(m.recipients).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: 'ok@example.net', status: 'accepted' }), expect.objectContaining({ address: 'reject-me@example.net', status: 'rejected', code: 550 })]),
    );
    expect(await row(id)).toMatchObject({ status: 'sent', rejectedCount: 1 });
    // A message every recipient accepted counts none.
    const whole = await send(await account('whole', { port: peer.port, security: 'none', requireTls: false }));
    await dispatcher.drain();
    expect(await row(whole)).toMatchObject({ status: 'sent', rejectedCount: 0, hint: null });
  });

  it('explains a refused connection', async () => {
    const port = await closedPort();
    const id = await send(await account('refused', { port, security: 'none', requireTls: false }));
    await dispatcher.drain();
    await expectDeferredWith(id, `Nothing accepts connections on 127.0.0.1:${port}`);
  });

  it('explains TLS required but not offered, with and without credentials', async () => {
    // A server whose EHLO names no STARTTLS and that answers the command 502 (smtp-server would still upgrade).
    const peer = await startScriptedPeer();
    stops.push(peer.stop);
    const plain = await send(await account('nostarttls', { port: peer.port, security: 'starttls', requireTls: true }));
    const withLogin = await send(await account('nostarttls-login', { port: peer.port, security: 'starttls', requireTls: true }, { password: 'some-password-1' }));
    await dispatcher.drain();
    await expectDeferredWith(plain, hintNoStarttls(false));
    await expectDeferredWith(withLogin, hintNoStarttls(true));
    expect(peer.messages).toHaveLength(0);
    expect(peer.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('explains a refused login (a 535 ends the message: failed, with the hint and no next try)', async () => {
    const peer = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert, users: { 'app-user': 'right-password' } });
    stops.push(peer.stop);
    const id = await send(await account('badlogin', { port: peer.port, security: 'tls', tlsTrust: { mode: 'pinned', certificate: cert.cert } }, { login: 'app-user', password: 'wrong-password' }));
    await dispatcher.drain();
    const m = await detail(id);
    expect(m).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(m.hint).toContain('The user name or password is wrong');
    expect(m.attempts[0].hint).toBe(m.hint);
    expect(await row(id)).toMatchObject({ status: 'failed', hint: m.hint, nextAttemptAt: null });
    expect(peer.messages).toHaveLength(0);
  });

  it('explains a certificate no public CA vouches for', async () => {
    // Implicit TLS with the default trust (the system's CAs): the self-signed certificate is refused.
    const peer = await startSmtpServer({ secure: true, key: cert.key, cert: cert.cert });
    stops.push(peer.stop);
    const id = await send(await account('selfsigned', { port: peer.port, security: 'tls' }));
    await dispatcher.drain();
    await expectDeferredWith(id, "The server's certificate is self-signed");
    expect(peer.messages).toHaveLength(0);
  });

  it('explains a server that accepts the connection and never greets: not a firewall, the server keeps quiet', async () => {
    const silent = await startSilentServer();
    stops.push(silent.stop);
    const id = await send(await account('silent', { port: silent.port, security: 'none', requireTls: false, connectTimeoutSec: 1 }));
    await dispatcher.drain();
    const m = await expectDeferredWith(id, `Mailroom connected to 127.0.0.1:${silent.port}, but the server never sent its greeting`);
    expect(m.hint).not.toMatch(/firewall drops|host is down/);
    expect(m.hint).toMatch(/overloaded/);
    expect(m.hint).toMatch(/implicit TLS/);
  });

  it('says in its answer whether a manual retry moved the expiry, and when the message now expires', async () => {
    const port = await closedPort();
    const id = await send(await account('late', { port, security: 'none', requireTls: false }));
    await dispatcher.drain();
    const before = await detail(id);
    expect(before.status).toBe('deferred');
    // A day later the message has a day less to live: a retry gives it its whole lifetime again, and says so.
    clock.advance(86_400_000);
    const retried = await post(`messages/${id}/retry`, {});
    expect(retried).toMatchObject({ id, status: 'queued', expiryExtended: true });
    const lifetime = Date.parse(before.expireAt) - Date.parse(before.sendAt);
    expect(retried.expireAt).toBe(new Date(clock.now() + lifetime).toISOString());
    expect((await detail(id)).expireAt).toBe(retried.expireAt);
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}` })).json();
    const [entry] = audit.items as { action: string; before: { expireAt: number | string }; after: { expireAt: number | string } }[];
    expect(entry.action).toBe('message.retry');
    expect(new Date(entry.before.expireAt).toISOString()).toBe(before.expireAt);
    expect(new Date(entry.after.expireAt).toISOString()).toBe(retried.expireAt);
    // Retried again a day later: the original lifetime again, counted from this retry (not the
    // lifetime the first retry stretched, which would grow by a day with every retry).
    await dispatcher.drain();
    expect((await detail(id)).status).toBe('deferred');
    clock.advance(86_400_000);
    const again = await post(`messages/${id}/retry`, {});
    expect(again).toMatchObject({ id, status: 'queued', expiryExtended: true });
    expect(again.expireAt).toBe(new Date(clock.now() + lifetime).toISOString());
    expect((await detail(id)).expireAt).toBe(again.expireAt);
    // At once again: nothing to extend, and the answer says so.
    await dispatcher.drain();
    const third = await post(`messages/${id}/retry`, {});
    expect(third).toMatchObject({ id, status: 'queued', expiryExtended: false, expireAt: again.expireAt });
  });
});
