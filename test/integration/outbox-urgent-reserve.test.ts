import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { messageStatus, routePurposesToPeer, sendForPurpose } from '../helpers/purpose-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every slot of the dispatcher held by slow bulk mail: an urgent message (two_factor) is still
 * claimed at once, into the small reserve of slots only urgent messages may take, and leaves on
 * a free connection while the bulk is still being sent; a bulk message accepted meanwhile waits
 * for a slot as before. Without the reserve the code waited for a bulk message to finish.
 */
await describeEachDialect('outbox: urgent mail while every slot is taken', (dialect) => {
  /** How soon the code must leave: well before a slow relay would have answered a bulk message. */
  const BULK_MS = 3_000;
  let t: TestApp;
  let peer: SmtpPeer;
  /** When each recipient's message was taken in full by the peer. */
  const arrived = new Map<string, number>();
  /**
   * Bulk messages are held by the relay until the test lets them go (after the code was sent and
   * the third bulk message seen waiting), not for a fixed BULK_MS: they hold both slots for as
   * long as the checks need, on a loaded machine too, and nobody waits out the rest of a timer.
   */
  let releaseBulk!: () => void;
  const bulkReleased = new Promise<void>((resolve) => (releaseBulk = resolve));

  beforeAll(async () => {
    peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      // Bulk messages are slow to be answered (a busy relay, held until released); the code is answered at once.
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          const answer = () => {
            arrived.set(to, Date.now());
            cb();
          };
          if (to.startsWith('bulk')) void bulkReleased.then(answer);
          else answer();
        });
      },
    });
    t = await startTestApp(dialect);
    await routePurposesToPeer(t, peer.port, ['report', 'two_factor'], { maxConnections: 4 });
    // Two slots and two reserved for urgent mail; four connections, so a free one is there.
    await t.app.startDelivery({ maxInFlight: 2, urgentReserve: 2, pollMs: 5_000 });
  });
  afterAll(async () => {
    // A failed check must not leave the close waiting on messages the relay still holds.
    releaseBulk();
    await t?.close();
    await peer?.stop();
  });

  const send = (purpose: string, to: string) => sendForPurpose(t, purpose, to);
  const status = (id: string) => messageStatus(t, id);

  it('claims and sends a two-factor code while two slow bulk messages hold both slots, and keeps a third bulk message waiting', async () => {
    const started = Date.now();
    const bulk = [await send('report', 'bulk1@example.net'), await send('report', 'bulk2@example.net')];
    await expect.poll(async () => Promise.all(bulk.map(status)), { timeout: 10_000, interval: 50 }).toEqual(['sending', 'sending']);
    const third = await send('report', 'bulk3@example.net');
    const code = await send('two_factor', 'code@example.net');
    await expect.poll(() => status(code), { timeout: 10_000, interval: 50 }).toBe('sent');
    // The code left while both bulk messages were still with the slow relay.
    expect(arrived.has('bulk1@example.net') || arrived.has('bulk2@example.net')).toBe(false);
    expect(arrived.get('code@example.net')! - started).toBeLessThan(BULK_MS);
    // The bulk message accepted meanwhile did not take a reserved slot.
    expect(await status(third)).toBe('queued');
    releaseBulk();
    await expect.poll(async () => Promise.all([...bulk, third].map(status)), { timeout: 20_000, interval: 100 }).toEqual(['sent', 'sent', 'sent']);
  });
});
