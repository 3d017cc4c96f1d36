import { afterAll, describe, expect, it } from 'vitest';
import { isMailroomError, type MailroomError } from '../../src/core/kernel/errors.js';
import type { RenderJob } from '../../src/core/templates/ports.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';

/**
 * The engine says which of its failures are its own trouble (render threads failing, dying or
 * never starting, the engine shutting down: MAILROOM_E_RENDER_UNAVAILABLE, retry after 5 s)
 * and which is a bug in the renderer (an exception the render thread did not expect:
 * MAILROOM_E_INTERNAL). Both were MAILROOM_E_INTERNAL, a 500 on every route that renders.
 */
const job: RenderJob = { locale: 'en', subject: { source: 'Hi {{ name }}' }, html: null, text: { source: 'Hello' }, layout: null, scope: { name: 'Ann' } };
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (isMailroomError(e) ? e : undefined),
  );

describe('template engine: its own trouble against a fault in the renderer', () => {
  const engine = liquidTemplateEngine();
  afterAll(() => engine.close());

  it('a closed engine (shutting down): MAILROOM_E_RENDER_UNAVAILABLE with retryAfterSec, for renders and text derivation', async () => {
    const closed = liquidTemplateEngine();
    expect((await closed.render(job)).subject).toBe('Hi Ann');
    await closed.close();
    for (const err of [await failure(closed.render(job)), await failure(closed.textFromHtml('<p>x</p>'))]) {
      expect(err?.code).toBe('MAILROOM_E_RENDER_UNAVAILABLE');
      expect(err?.message).toBe('the template engine cannot render right now: the template engine is shutting down; try again shortly');
      expect(err?.details).toEqual({ retryAfterSec: 5 });
    }
  });

  it('an exception the renderer did not expect (text derived from a number: a bug in the caller, not the engine being away) stays MAILROOM_E_INTERNAL', async () => {
    const err = (await failure(engine.textFromHtml(123 as unknown as string))) as MailroomError | undefined;
    expect(err?.code).toBe('MAILROOM_E_INTERNAL');
    expect(err?.details).toEqual({});
    // The engine goes on rendering.
    expect((await engine.render(job)).subject).toBe('Hi Ann');
  });
});
