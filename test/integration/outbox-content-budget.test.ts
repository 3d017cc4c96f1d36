import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { messageStatus, routePurposesToPeer, sendForPurpose } from '../helpers/purpose-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The dispatcher holds at most its content budget of messages in memory (maxInFlightBytes),
 * whatever its slots allow: large messages are claimed a few at a time, here one, while small
 * ones fill the slots; a message larger than the whole budget is still sent, alone.
 */
await describeEachDialect('outbox: the content budget of messages in flight', (dialect) => {
  const ANSWER_MS = 800;
  const BUDGET = 150_000;
  let t: TestApp;
  let peer: SmtpPeer;
  let atPeer = 0;
  let mostAtPeer = 0;
  const arrived: string[] = [];

  beforeAll(async () => {
    peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, cb) {
        atPeer++;
        mostAtPeer = Math.max(mostAtPeer, atPeer);
        stream.resume();
        stream.on('end', () =>
          setTimeout(() => {
            atPeer--;
            arrived.push(session.envelope.rcptTo.map((r) => r.address).join(','));
            cb();
          }, ANSWER_MS),
        );
      },
    });
    t = await startTestApp(dialect);
    await routePurposesToPeer(t, peer.port, ['report'], { maxConnections: 4 });
    // Ten slots and four connections: only the budget can keep the large messages one at a time.
    await t.app.startDelivery({ maxInFlight: 10, maxInFlightBytes: BUDGET, pollMs: 200 });
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  const send = (to: string, bytes: number) => sendForPurpose(t, 'report', to, 'x'.repeat(bytes));
  const status = (id: string) => messageStatus(t, id);

  it('fills its slots with small messages at the same time', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => send(`small${i}@example.net`, 10)));
    await expect.poll(async () => Promise.all(ids.map(status)), { timeout: 30_000, interval: 100 }).toEqual(['sent', 'sent', 'sent', 'sent']);
    // Four connections, four messages of a few hundred bytes: all at the peer together.
    expect(mostAtPeer).toBe(4);
  });

  it('claims large messages one at a time within the budget, and sends one larger than the whole budget alone', async () => {
    mostAtPeer = 0;
    const first = await send('large1@example.net', 100_000);
    await expect.poll(() => status(first), { timeout: 10_000, interval: 20 }).toBe('sending');
    const rest = [await send('large2@example.net', 100_000), await send('huge@example.net', 2 * BUDGET), await send('large3@example.net', 100_000)];
    // The first is with the peer: the others wait in the queue, not in memory.
    await new Promise((r) => setTimeout(r, ANSWER_MS / 2));
    expect(await Promise.all(rest.map(status))).toEqual(['queued', 'queued', 'queued']);
    await expect.poll(async () => Promise.all([first, ...rest].map(status)), { timeout: 30_000, interval: 100 }).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(mostAtPeer).toBe(1);
    expect(arrived.filter((to) => !to.startsWith('small')).sort()).toEqual(['huge@example.net', 'large1@example.net', 'large2@example.net', 'large3@example.net']);
  });
});
