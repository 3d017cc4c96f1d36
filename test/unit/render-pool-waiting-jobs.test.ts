import { afterAll, describe, expect, it } from 'vitest';
import { isMailroomError } from '../../src/core/kernel/errors.js';
import type { RenderJob } from '../../src/core/templates/ports.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';

/**
 * A render thread ended at a render's deadline is that render's failure only. The renders
 * queued behind a burst of renders that each hit the deadline used to be failed with
 * MAILROOM_E_INTERNAL "render threads kept failing" after three thread deaths they did not
 * cause: an event's rule mail was then skipped, a templated message refused with 500.
 */
const job = (html: string): RenderJob => ({ locale: 'en', subject: { source: 'Hi' }, html: { source: html }, text: null, layout: null, scope: {} });
const LOOP = '{% for i in (1..3000) %}{% for j in (1..3000) %}{% for k in (1..3000) %}{% endfor %}{% endfor %}{% endfor %}';
/** What a render came to: its HTML or text, or its error's code (never an unhandled rejection). */
const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => (typeof v === 'string' ? v : (v as { html: string }).html),
    (e: unknown) => (isMailroomError(e) ? `${e.code}: ${e.message}` : String(e)),
  );

describe('render pool: a job waiting behind others is not charged for their deaths', () => {
  const unlimited = { engineRenderMs: Infinity, engineMemory: Infinity, engineParseChars: Infinity };
  const engine = liquidTemplateEngine({ limits: { ...unlimited, deadlineMs: 300, threads: 1 } });
  afterAll(() => engine.close());

  it('five renders that hit the deadline, then a good render and a text derivation: each looping one fails alone, the others are answered', async () => {
    const loops = Array.from({ length: 5 }, () => outcome(engine.render(job(LOOP))));
    const good = outcome(engine.render(job('<b>waited</b>')));
    const text = outcome(engine.textFromHtml('<p>after the burst</p>'));
    const all = await Promise.all([...loops, good, text]);
    expect(all.slice(0, 5)).toEqual(Array(5).fill(expect.stringMatching(/^MAILROOM_E_TEMPLATE_LIMIT: locales.en.html: the render did not finish within 300 ms$/)));
    expect(all.slice(5)).toEqual(['<b>waited</b>', 'after the burst']);
  }, 60_000);

  it('the text derivation of huge nested HTML queued behind others fails with its own limit, never INTERNAL', async () => {
    // The hunter's message: HTML-only, deeply nested, too slow to convert within the deadline.
    const huge = `${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => outcome(engine.textFromHtml(huge))));
    for (const a of answers) expect(a).toMatch(/^(x|MAILROOM_E_TEMPLATE_LIMIT: text from html: the render did not finish)/);
    expect(await engine.textFromHtml('<p>still here</p>')).toBe('still here');
  }, 60_000);
});
