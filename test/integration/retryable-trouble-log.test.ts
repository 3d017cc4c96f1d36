import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ErrorCodes, MailroomError } from '../../src/core/kernel/errors.js';
import type { TemplateEngine } from '../../src/core/templates/ports.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A retryable 503 that is no fault (MAILROOM_E_RENDER_UNAVAILABLE, MAILROOM_E_BUSY) was logged
 * at error level once per request: a flood of them was a flood of error lines. Now a warning
 * per cause at most once a minute; a fault (500 MAILROOM_E_INTERNAL) is still an error each time.
 */
await describeEachDialect('retryable trouble in the log', (dialect) => {
  let t: TestApp;
  let engine: TemplateEngine;
  let original: TemplateEngine['render'];
  const closed = liquidTemplateEngine();

  beforeAll(async () => {
    await closed.close();
    t = await startTestApp(dialect);
    engine = t.app.ports.ctx.templates.engine;
    original = engine.render;
  });
  afterEach(() => {
    engine.render = original;
  });
  afterAll(async () => t?.close());

  /** The log lines that name the code, or that are about an error with that code. */
  const lines = (code: string) => t.logLines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string; code?: string } }).filter((l) => l.msg.includes(code) || l.err?.code === code);
  const preview = () => t.request({ method: 'POST', url: '/api/v1/templates/test/preview', payload: {} });

  it('twenty previews the engine cannot render: twenty 503s, one warning line, no error line', async () => {
    engine.render = (job) => closed.render(job);
    for (let i = 0; i < 20; i++) expect((await preview()).statusCode).toBe(503);
    const said = lines('MAILROOM_E_RENDER_UNAVAILABLE');
    expect(said.map((l) => l.level)).toEqual([40]);
    expect(said[0].msg).toMatch(/^answering 503 MAILROOM_E_RENDER_UNAVAILABLE: .* \(said once a minute while it lasts\)$/);
    // The request's own error goes with it (what the engine said).
    expect(said[0].err?.message).toMatch(/template engine is shutting down/);
  });

  it('a fault in the renderer is still an error line per request', async () => {
    engine.render = () => Promise.reject(new MailroomError(ErrorCodes.INTERNAL, 'renderer fault for the log test'));
    for (let i = 0; i < 3; i++) expect((await preview()).statusCode).toBe(500);
    const said = t.logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg === 'renderer fault for the log test');
    expect(said.map((l) => l.level)).toEqual([50, 50, 50]);
  });
});
