import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A possible duplicate (the whole message went out, then no fitting reply) is recorded on the
 * attempt with its reason and on the message as a sticky flag, shown by the API and counted in
 * /metrics: after a protocol violation the message is not retried blindly; after a lost
 * connection it is retried, and the flag stays although the retry succeeds.
 */
await describeEachDialect('outbox: possible duplicates and leases', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12, 0, 0));
  let t: TestApp;
  let peer: ScriptedPeer;
  let dispatcher: Dispatcher;
  let mode: 'dot-354' | 'drop-after-dot' | 'ok' = 'ok';

  beforeAll(async () => {
    peer = await startScriptedPeer({
      script: (command, s) => {
        if (command !== '.') return undefined;
        if (mode === 'dot-354') return '354 go ahead\r\n';
        if (mode === 'drop-after-dot') {
          s.drop();
          return null;
        }
        return undefined;
      },
    });
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    dispatcher = await t.app.startDelivery({ loop: false });
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'scripted', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'app@example.com' } })).json();
    expect((await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { defaultAccountId: account.id } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  const send = async (subject: string) => (await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['rcpt@example.net'], subject, text: 'x' } })).json().id as string;
  const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
  const metric = async () => {
    const line = (await t.server.inject({ method: 'GET', url: '/metrics' })).body.split('\n').find((l) => l.startsWith('mailroom_delivery_possible_duplicates_total '));
    return Number(line?.split(' ')[1] ?? 0);
  };

  it('a 354 to the final dot: failed, flagged with the reason, not retried', async () => {
    mode = 'dot-354';
    const id = await send('dot answered by 354');
    await dispatcher.drain();
    const m = await detail(id);
    expect(m.status).toBe('failed');
    expect(m.possibleDuplicate).toBe(true);
    expect(m.attempts).toHaveLength(1);
    expect(m.attempts[0].possibleDuplicate).toBe(true);
    expect(m.attempts[0].possibleDuplicateReason).toMatch(/may already have accepted the message/);
    expect(m.lastError).toMatch(/protocol violation/);
    expect(peer.messages).toHaveLength(1);
    // Listed as such too.
    const row = (await t.request({ method: 'GET', url: '/api/v1/messages?status=failed' })).json().items.find((r: { id: string }) => r.id === id);
    expect(row.possibleDuplicate).toBe(true);
    expect(await metric()).toBe(1);
  });

  it('a close after the final dot: retried on the schedule, and still flagged after the retry succeeds', async () => {
    mode = 'drop-after-dot';
    const before = peer.messages.length;
    const id = await send('dropped after the dot');
    await dispatcher.drain();
    let m = await detail(id);
    expect(m.status).toBe('deferred');
    expect(m.possibleDuplicate).toBe(true);
    mode = 'ok';
    clock.advance(10 * 60_000);
    await dispatcher.drain();
    m = await detail(id);
    expect(m.status).toBe('sent');
    expect(m.possibleDuplicate).toBe(true);
    expect(m.attempts.map((a: { possibleDuplicate: boolean }) => a.possibleDuplicate)).toEqual([true, false]);
    expect(peer.messages.length - before).toBe(2);
  });

  it('a running attempt keeps its lease: no other worker takes the message over meanwhile', async () => {
    let release: () => void = () => undefined;
    const other = new Dispatcher({
      ctx: t.app.ports.ctx,
      capabilities: { ...t.app.infra.capabilities, multiWriter: true },
      logger: t.app.logger,
      leaseMs: 60_000,
      deliverer: { logOnly: true, send: () => new Promise((r) => (release = () => r({ accepted: [{ address: 'rcpt@example.net', code: 250, enhancedCode: null, response: '250 ok' }], rejected: [] }))) },
    });
    await other.start({ loop: false });
    const id = await send('long attempt');
    const draining = other.drain();
    await expect.poll(async () => (await detail(id)).status).toBe('sending');
    // Half a lease later the worker claims again (nothing new) and renews what is in flight.
    clock.advance(30_000);
    await other['round']();
    clock.advance(45_000); // past the first lease's end
    expect(await t.app.ports.ctx.store.repos.messages.releaseExpiredLeases(clock.now())).toBe(0);
    expect((await detail(id)).status).toBe('sending');
    release();
    await draining;
    expect((await detail(id)).status).toBe('logged');
  });
});
