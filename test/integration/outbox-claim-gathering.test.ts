import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { messageStatus, routePurposesToPeer, sendForPurpose } from '../helpers/purpose-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * After a partial batch the dispatcher lets new bulk mail gather before it claims again (fewer,
 * larger claims under a steady load), but an urgent message accepted meanwhile ends that pause
 * at once: it is claimed, together with whatever else is due, instead of waiting behind it. The
 * pause is set to a minute here, so neither outcome can be a matter of timing.
 */
await describeEachDialect('outbox: bulk mail gathers between claims, urgent mail does not wait for it', (dialect) => {
  let t: TestApp;
  let peer: SmtpPeer;
  const arrived: string[] = [];

  beforeAll(async () => {
    peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          arrived.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          cb();
        });
      },
    });
    t = await startTestApp(dialect);
    await routePurposesToPeer(t, peer.port, ['report', 'two_factor']);
    // No poll in the test's time either: only a wake-up can start a claim.
    await t.app.startDelivery({ claimGatherMs: 60_000, pollMs: 60_000 });
  });
  afterAll(async () => {
    // Also shows that stopping does not wait for the pause to end.
    await t?.close();
    await peer?.stop();
  });

  const send = (purpose: string, to: string) => sendForPurpose(t, purpose, to);
  const status = (id: string) => messageStatus(t, id);

  it('claims the first message at once, keeps the next bulk message gathering, and claims both when a two-factor code arrives', async () => {
    // An idle queue's message is claimed at once: the pause follows a claim, never precedes one.
    const first = await send('report', 'bulk1@example.net');
    await expect.poll(() => status(first), { timeout: 10_000, interval: 50 }).toBe('sent');
    // The claim that took it was a partial batch: the dispatcher now gathers for a minute, and a
    // bulk message's wake-up does not end that.
    const second = await send('report', 'bulk2@example.net');
    await new Promise((r) => setTimeout(r, 500));
    expect(await status(second)).toBe('queued');
    // An urgent one ends it: claimed at once, with the bulk message that was gathering.
    const code = await send('two_factor', 'code@example.net');
    await expect.poll(async () => Promise.all([status(code), status(second)]), { timeout: 10_000, interval: 50 }).toEqual(['sent', 'sent']);
    expect(arrived.slice(0, 1)).toEqual(['bulk1@example.net']);
    expect(arrived.slice(1).sort()).toEqual(['bulk2@example.net', 'code@example.net']);
  });
});
