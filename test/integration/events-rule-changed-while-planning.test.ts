import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { TemplateEngine } from '../../src/core/templates/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An event is planned (its rules judged, their mail rendered: seconds under load) before it is
 * committed. A rule switched off or changed meanwhile used to send anyway, as it was when the
 * planning began. The commit now checks the rules against those the plan was made from and
 * plans again when they changed; rules that keep changing fail the event retryably (503
 * MAILROOM_E_BUSY, nothing stored: contention, not the store, which it used to be called). The change is made from inside the engine's render, i.e. exactly while the
 * event is being planned.
 */
await describeEachDialect('events: a rule changed while the event is planned', (dialect) => {
  let t: TestApp;
  let engine: TemplateEngine;
  let render: TemplateEngine['render'];
  let ruleId: string;
  let version: number;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    engine = t.app.ports.ctx.templates.engine;
    render = engine.render;
  });
  // Each test starts from one rule, switched on, mailing the event's owner.
  beforeEach(async () => {
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'Watched', events: ['t.created'], recipients: { roles: ['owner'] }, template: 'test' } });
    expect(rule.statusCode, rule.body).toBe(201);
    ({ id: ruleId, version } = rule.json() as { id: string; version: number });
  });
  afterEach(async () => {
    engine.render = render;
    await t.request({ method: 'DELETE', url: `/api/v1/rules/${ruleId}` });
  });
  afterAll(async () => t?.close());

  const patchRule = async (change: object) => {
    const res = await t.request({ method: 'PATCH', url: `/api/v1/rules/${ruleId}`, payload: { ...change, version } });
    expect(res.statusCode, res.body).toBe(200);
    version = res.json().version as number;
  };
  /** Runs `during` inside the next `times` renders (while an event is being planned). */
  const whileRendering = (during: () => Promise<void>, times = 1) => {
    let left = times;
    engine.render = async (job) => {
      if (left > 0) {
        left--;
        await during();
      }
      return render(job);
    };
  };
  const raise = (id: string) => t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 't.created', id, data: {}, recipients: { owner: ['ann@example.com'] } } });
  const messagesTo = async (address: string) => ((await t.request({ method: 'GET', url: `/api/v1/messages?recipient=${encodeURIComponent(address)}` })).json().items as unknown[]).length;

  it('switched off while planned: the event sends nothing', async () => {
    whileRendering(() => patchRule({ enabled: false }));
    const res = await raise('evt-switched-off');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().matches).toEqual([]);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/evt-switched-off' })).json().messages).toEqual([]);
  });

  it('changed while planned: the event sends as the rule now says', async () => {
    whileRendering(() => patchRule({ recipients: { addresses: ['changed@example.com'] } }));
    const before = await messagesTo('changed@example.com');
    const res = await raise('evt-changed');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().matches).toMatchObject([{ ruleId, messageIds: [expect.stringMatching(/^msg_/)] }]);
    expect(await messagesTo('changed@example.com')).toBe(before + 1);
    const detail = (await t.request({ method: 'GET', url: '/api/v1/events/evt-changed' })).json();
    expect(detail.messages.map((m: { to: string[] }) => m.to)).toEqual([['changed@example.com']]);
  });

  it('changed again at every planning: 503 MAILROOM_E_BUSY with Retry-After, nothing stored, one warning logged; the retry sends', async () => {
    let on = true;
    whileRendering(async () => {
      on = !on;
      await patchRule({ name: `Watched ${on ? 'on' : 'off'}` });
    }, 10);
    const res = await raise('evt-churn');
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().error.code).toBe('MAILROOM_E_BUSY');
    expect(res.json().error.message).toMatch(/rules changed while this event was being planned, 3 times in a row/);
    // Contention is no fault: a warning (once a minute), not an error line per request.
    const said = t.logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg.includes('MAILROOM_E_BUSY'));
    expect(said.map((l) => l.level)).toEqual([40]);
    expect((await t.request({ method: 'GET', url: '/api/v1/events/evt-churn' })).statusCode).toBe(404);
    engine.render = render;
    const retry = await raise('evt-churn');
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ duplicate: false, matches: [{ ruleId, messageIds: [expect.stringMatching(/^msg_/)] }] });
  });

});
