import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { hintNoStarttls } from '../../src/core/probes/smtp-hints.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { freePort } from '../helpers/ports.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Issue 20, through the dispatcher and the store (both dialects), what the transport-level
 * tests (smtp-protocol-faults.test.ts) cannot show: a 421 then close on a pooled connection is
 * an attempt in the delivery log and the retry waits for the schedule; STARTTLS required but not
 * offered says so in the delivery log, not only in the diagnostic.
 */
await describeEachDialect('delivery log under SMTP faults', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12, 0, 0));
  let t: TestApp;
  let dispatcher: Dispatcher;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    for (const stop of stops) await stop();
  });

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  let n = 0;
  /** A server (default retry schedule: 5 s, 30 s, 300 s) and an account on it; returns the account id. */
  const sender = async (smtp: Record<string, unknown>) => {
    const server = await post('servers', { name: `fault peer ${++n}`, smtp: { host: '127.0.0.1', connectTimeoutSec: 3, sendTimeoutSec: 3, ...smtp } });
    return (await post('accounts', { serverId: server.id, address: `app${n}@example.com` })).id as string;
  };
  const send = async (accountId: string, subject: string) => (await post('messages', { accountId, to: ['rcpt@example.net'], subject, text: 'x' })).id as string;
  const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();

  it('a 421 then close on a pooled connection is recorded as an attempt, and the retry waits for the schedule', async () => {
    const peer: ScriptedPeer = await startScriptedPeer({
      script: (cmd, s) => {
        // The second message on the same (pooled) connection: the server shuts down mid-session.
        if (/^MAIL/i.test(cmd) && s.messages >= 1) {
          s.write('421 4.3.2 Service shutting down, closing transmission channel\r\n');
          s.drop();
          return null;
        }
        return undefined;
      },
    });
    stops.push(() => peer.stop());
    const account = await sender({ port: peer.port, security: 'none', requireTls: false });
    const first = await send(account, 'first on the connection');
    await dispatcher.drain();
    expect((await detail(first)).status).toBe('sent');
    expect(peer.connections).toBe(1);

    const second = await send(account, 'second on the same connection');
    const sentAt = clock.now();
    await dispatcher.drain();
    let m = await detail(second);
    expect(m.status).toBe('deferred');
    expect(m.attempts).toHaveLength(1);
    expect(m.attempts[0]).toMatchObject({ outcome: 'deferred', code: 421, enhancedCode: '4.3.2' });
    expect(m.attempts[0].response).toContain('421 4.3.2 Service shutting down');
    expect(m.lastError).toContain('421 4.3.2 Service shutting down');
    // The first step of the default schedule (5 s), not a hidden re-send inside the pool.
    expect(Date.parse(m.nextAttemptAt) - sentAt).toBe(5_000);

    // Time passes for the sockets but not for the schedule: nothing goes out again.
    await new Promise((r) => setTimeout(r, 700));
    await dispatcher.drain();
    m = await detail(second);
    expect(m.status).toBe('deferred');
    expect(m.attempts).toHaveLength(1);
    expect(peer.messages).toHaveLength(1);
    expect(peer.commands.filter((c) => /^MAIL/i.test(c))).toHaveLength(2);

    clock.advance(4_999);
    await dispatcher.drain();
    expect((await detail(second)).attempts).toHaveLength(1);
    clock.advance(1);
    await dispatcher.drain();
    m = await detail(second);
    expect(m.status).toBe('sent');
    expect(m.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['deferred', 'sent']);
    expect(peer.messages).toHaveLength(2);
    expect(peer.connections).toBe(2);
  });

  it('STARTTLS required but not offered: the delivery log says plainly that the server does not offer TLS', async () => {
    const port = await freePort();
    const received: string[] = [];
    const server = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, _s, cb) => {
        stream.on('end', () => (received.push('message'), cb()));
        stream.resume();
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const account = await sender({ port, security: 'starttls', requireTls: true });
    const id = await send(account, 'needs TLS');
    await dispatcher.drain();
    const m = await detail(id);
    expect(m.status).toBe('deferred');
    expect(m.attempts).toHaveLength(1);
    expect(m.attempts[0].outcome).toBe('deferred');
    const said = hintNoStarttls(false);
    // In the log's words for the attempt and the message, not only in the diagnostic.
    expect(m.lastError).toContain(said);
    expect(`${m.attempts[0].response} ${m.attempts[0].hint ?? ''}`).toContain(said);
    expect(received).toEqual([]);
  });
});
