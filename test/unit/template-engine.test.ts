import { afterAll, describe, expect, it } from 'vitest';
import { isMailroomError, type MailroomError } from '../../src/core/kernel/errors.js';
import type { RenderJob } from '../../src/core/templates/ports.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';

/**
 * The engine's hard limits hold on their own, outside LiquidJS: with every limit of LiquidJS
 * switched off, a render that loops is stopped at the thread deadline (its thread terminated and
 * replaced), one that eats memory ends its own thread, and the renders queued behind either
 * are answered by another thread.
 */
const job = (html: string, scope: Record<string, unknown> = {}): RenderJob => ({ locale: 'en', subject: { source: 'Hi' }, html: { source: html }, text: null, layout: null, scope });
const failure = async (p: Promise<unknown>): Promise<MailroomError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMailroomError(err)) throw new Error(`expected a MailroomError, got ${String(err)}`);
  return err;
};

describe('template engine limits outside LiquidJS', () => {
  const unlimited = { engineRenderMs: Infinity, engineMemory: Infinity, engineParseChars: Infinity };
  const engine = liquidTemplateEngine({ limits: { ...unlimited, deadlineMs: 1_500, threads: 1, threadHeapMb: 64 } });
  afterAll(() => engine.close());

  it('renders, and reuses the parse of a saved version', async () => {
    const saved = { ...job('<p>{{ who }}</p>', { who: '<Ann>' }), html: { source: '<p>{{ who }}</p>', cacheKey: 't:x:1:en:html' } };
    expect(await engine.render(saved)).toEqual({ subject: 'Hi', html: '<p>&lt;Ann&gt;</p>', text: '<Ann>' });
    expect((await engine.render(saved)).html).toBe('<p>&lt;Ann&gt;</p>');
  });

  it('does not reuse a parse for other text under the same key (a layout deleted and created again is version 1 again)', async () => {
    const withText = (source: string) => ({ ...job('x'), html: { source, cacheKey: 'l:brand:1:html' } });
    expect((await engine.render(withText('<div>AAAA {{ 1 }}</div>'))).html).toBe('<div>AAAA 1</div>');
    // The same length, as in the report that found it.
    expect((await engine.render(withText('<div>BBBB {{ 2 }}</div>'))).html).toBe('<div>BBBB 2</div>');
    expect((await engine.render(withText('<div>AAAA {{ 1 }}</div>'))).html).toBe('<div>AAAA 1</div>');
  });

  it('a loop LiquidJS does not stop ends at the deadline; the renders queued behind it are answered by a new thread', async () => {
    const order: string[] = [];
    const stuck = failure(engine.render(job('{% for i in (1..3000) %}{% for j in (1..3000) %}{% for k in (1..3000) %}{% endfor %}{% endfor %}{% endfor %}'))).then((e) => {
      order.push('stuck');
      return e;
    });
    // One thread: these wait behind the stuck render, then go to its replacement.
    const queued = [engine.render(job('<b>one</b>')), engine.render(job('<b>two</b>'))].map((p) => p.then((r) => (order.push('queued'), r)));
    const err = await stuck;
    expect(err.code).toBe('MAILROOM_E_TEMPLATE_LIMIT');
    expect(err.details).toMatchObject({ limit: 'deadline', part: 'html', locale: 'en' });
    expect(err.message).toMatch(/did not finish within 1500 ms/);
    expect((await Promise.all(queued)).map((r) => r.html)).toEqual(['<b>one</b>', '<b>two</b>']);
    expect(order).toEqual(['stuck', 'queued', 'queued']);
    // And the pool keeps working.
    expect((await engine.render(job('ok'))).html).toBe('ok');
  });

  it('a render that runs out of its heap ends its own thread only: 422 limit memory, the pool goes on', async () => {
    const small = liquidTemplateEngine({ limits: { ...unlimited, outputChars: Infinity, deadlineMs: 60_000, threads: 1, threadHeapMb: 16 } });
    try {
      // Millions of small output pieces held at once (no single huge allocation: see limits.ts).
      const err = await failure(small.render(job('{% for i in (1..300) %}{% for j in (1..10000) %}{{ i }}x{% endfor %}{% endfor %}')));
      expect(err.code).toBe('MAILROOM_E_TEMPLATE_LIMIT');
      expect(err.details).toMatchObject({ limit: 'memory', part: 'html' });
      expect((await small.render(job('still here'))).html).toBe('still here');
    } finally {
      await small.close();
    }
  });

  it('with the default limits, LiquidJS refuses a huge array before allocating it (a fatal allocation would end the process)', async () => {
    const defaults = liquidTemplateEngine();
    try {
      const err = await failure(defaults.render(job('{% for i in (1..200000000) %}{{ i }}{% endfor %}')));
      expect(err.code).toBe('MAILROOM_E_TEMPLATE_LIMIT');
      expect(err.details).toMatchObject({ limit: 'memory', part: 'html', line: 1 });
    } finally {
      await defaults.close();
    }
  });

  it('an output over the cap is refused whatever produced it', async () => {
    const small = liquidTemplateEngine({ limits: { ...unlimited, outputChars: 1000, threads: 1 } });
    try {
      const err = await failure(small.render(job('{{ s }}', { s: 'x'.repeat(5000) })));
      expect(err.code).toBe('MAILROOM_E_TEMPLATE_LIMIT');
      expect(err.details).toMatchObject({ limit: 'output', part: 'html' });
      // Parts each under the cap, together over it: the largest is blamed (not a layout there is none of).
      const together = { ...job('{{ h }}', { h: 'h'.repeat(400), t: 't'.repeat(600) }), text: { source: '{{ t }}' } };
      expect((await failure(small.render(together))).details).toMatchObject({ limit: 'output', part: 'text' });
      const inLayout = { ...job('{{ h }}', { h: 'h'.repeat(600) }), layout: { html: { source: '<div>{{ content }}</div>' }, text: null } };
      expect((await failure(small.render(inLayout))).details).toMatchObject({ limit: 'output', part: 'layout.html' });
    } finally {
      await small.close();
    }
  });
});
