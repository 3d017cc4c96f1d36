import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { messageStatus, routePurposesToPeer, sendForPurpose } from '../helpers/purpose-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A stopping process waits for the messages being sent, not for the queue behind them: the
 * messages still waiting for a connection go back to the queue untouched (no attempt, no
 * error), so another process (or this one's next start) sends each of them once.
 */
await describeEachDialect('outbox: a stop lets go of messages not yet sent', (dialect) => {
  const ANSWER_MS = 1_500;
  /**
   * The peer's answer takes ANSWER_MS only for the message in flight at the stop (what the stop
   * must wait for, and what shows it waited for one answer, not five). After the stop it answers
   * at once: the four sent after the new start prove each goes out once, not how long a slow
   * peer takes (4 × 1.5 s of waiting before).
   */
  let answerMs = ANSWER_MS;
  let t: TestApp;
  let peer: SmtpPeer;
  const arrived: string[] = [];
  let atPeer = 0;

  beforeAll(async () => {
    peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, cb) {
        atPeer++;
        stream.resume();
        stream.on('end', () =>
          setTimeout(() => {
            arrived.push(session.envelope.rcptTo.map((r) => r.address).join(','));
            cb();
          }, answerMs),
        );
      },
    });
    t = await startTestApp(dialect);
    await routePurposesToPeer(t, peer.port, ['report'], { maxConnections: 1 });
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  it('finishes the message being sent, returns the four waiting behind it to the queue, and sends each once after a new start', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await sendForPurpose(t, 'report', `r${i}@example.net`));
    const dispatcher = await t.app.startDelivery({ pollMs: 200 });
    await expect.poll(() => atPeer, { timeout: 10_000, interval: 10 }).toBe(1);
    const stopping = performance.now();
    await dispatcher.stop();
    // One answer's wait, not five (7.5 s when the stop waited for the whole queue).
    expect(performance.now() - stopping).toBeLessThan(ANSWER_MS + 1_000);
    const after = await Promise.all(ids.map(async (id) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json()));
    expect(after.filter((m) => m.status === 'sent')).toHaveLength(1);
    const back = after.filter((m) => m.status !== 'sent');
    expect(back.map((m) => [m.status, m.attemptCount, m.lastError])).toEqual(Array(4).fill(['queued', 0, null]));
    expect(arrived).toHaveLength(1);

    // The same dispatcher started again, as a restarted process would.
    answerMs = 0;
    await dispatcher.start();
    await expect.poll(async () => Promise.all(ids.map((id) => messageStatus(t, id))), { timeout: 30_000, interval: 100 }).toEqual(Array(5).fill('sent'));
    expect(arrived.sort()).toEqual(['r0@example.net', 'r1@example.net', 'r2@example.net', 'r3@example.net', 'r4@example.net']);
  });
});
