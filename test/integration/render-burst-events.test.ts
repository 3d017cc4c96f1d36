import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The hunter's report, with the real engine (two render threads, 2 s deadline): HTML-only
 * messages whose text part is too slow to derive each end a render thread at the deadline.
 * The renders queued behind them — an event's rule mail, a templated message — used to fail
 * with MAILROOM_E_INTERNAL after three such deaths: the event was stored with its rule
 * "skipped" (the mail lost: its retry was a duplicate), the templated message refused with 500,
 * and some of the HTML-only messages refused with 500 too. Now each waits its turn.
 *
 * The burst takes ~8 s of wall time that is mostly waiting for deadlines (eight renders, two
 * threads, 2 s each), so the two dialects run side by side: each has its own app, database and
 * render threads, and shares nothing with the other. (Eight heavy renders stay: fewer would let
 * the queued renders see fewer than the four thread deaths that failed them before.)
 */
await describeEachDialect('renders queued behind a burst of renders that hit the deadline', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'On create', events: ['t.created'], recipients: { roles: ['owner'] }, template: 'test' } });
    expect(rule.statusCode, rule.body).toBe(201);
  });
  afterAll(async () => t?.close());

  it('the event mails, the templated message is accepted, the HTML-only ones go out (as given if need be)', async ({ expect }) => {
    // ~1 MB of nested <div>: converting it to text takes longer than the 2 s deadline.
    const html = `${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}`;
    const heavy = Array.from({ length: 8 }, (_, i) => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['bulk@example.com'], subject: `Heavy ${i}`, html } }));
    // Once the heavy ones are queued in the render threads.
    await new Promise((r) => setTimeout(r, 500));
    const event = t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 't.created', id: 'burst-1', data: {}, recipients: { owner: ['ann@example.com'] } } });
    const templated = t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['bob@example.com'], template: 'test' } });

    const raised = await event;
    expect(raised.statusCode, raised.body).toBe(202);
    expect(raised.json().matches).toMatchObject([{ ruleName: 'On create', messageIds: [expect.stringMatching(/^msg_/)] }]);
    expect(raised.json().matches[0].skipped).toBeUndefined();
    const sent = await templated;
    expect(sent.statusCode, sent.body).toBe(202);
    for (const res of await Promise.all(heavy)) expect(res.statusCode, res.body.slice(0, 300)).toBe(202);
  }, 120_000);
}, { sideBySide: true });
