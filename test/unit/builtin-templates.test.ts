import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BRANDING } from '../../src/core/templates/branding.js';
import { textDirection } from '../../src/core/templates/locales.js';
import type { RenderJob } from '../../src/core/templates/ports.js';
import { BUILTIN_TEMPLATES } from '../../src/templates/builtin/index.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';

/**
 * The built-in templates render with only the variables docs/templates.md calls required (the
 * optional ones may be left out), in both locales, and the alert says its status in words.
 */
const MINIMAL: Record<string, Record<string, unknown>> = {
  invitation: { inviter: { name: 'Ben' }, workspace: { name: 'Prod' }, invite_url: 'https://x.example/i', expires_in_days: 7 },
  magic_link: { login_url: 'https://x.example/l', expires_in_minutes: 15 },
  password_reset: { reset_url: 'https://x.example/r', expires_in_minutes: 60 },
  two_factor: { code: '123 456', expires_in_minutes: 10 },
  alert: { alert: { host: { name: 'web-1' }, service: { display_name: 'HTTP' }, status: 'WARN', message: 'slow', host_url: 'https://mon.example/web-1' } },
  report: { report: { name: 'Weekly', period: 'W9', url: 'https://x.example/rep' } },
  access_request: { requester: { name: 'Carla', email: 'carla@example.org' }, resource: { name: 'DB' }, review_url: 'https://x.example/a' },
  contact_autoreply: { subject: 'Pricing' },
  test: {},
};

const layout = BUILTIN_TEMPLATES.layouts.default;
const engine = liquidTemplateEngine();
afterAll(() => engine.close());

function job(key: string, locale: string, data: Record<string, unknown>): RenderJob {
  const c = BUILTIN_TEMPLATES.templates[key].locales[locale];
  return {
    locale,
    subject: { source: c.subject },
    html: c.html === null ? null : { source: c.html },
    text: c.text === null ? null : { source: c.text },
    layout: { html: { source: layout.html }, text: layout.text === null ? null : { source: layout.text } },
    // As render.ts builds it: `dir` is Mailroom's, and the branded layout writes it.
    scope: { ...data, brand: DEFAULT_BRANDING, locale, dir: textDirection(locale) },
  };
}

describe('built-in templates', () => {
  it('cover every built-in purpose, in en and de', () => {
    expect(Object.keys(BUILTIN_TEMPLATES.templates).sort()).toEqual(Object.keys(MINIMAL).sort());
    for (const t of Object.values(BUILTIN_TEMPLATES.templates)) expect(Object.keys(t.locales)).toEqual(['en', 'de']);
  });

  for (const [key, data] of Object.entries(MINIMAL)) {
    it(`${key} renders with only its required variables`, async () => {
      for (const locale of ['en', 'de']) {
        const r = await engine.render(job(key, locale, data));
        for (const part of [r.subject, r.html ?? '', r.text ?? '']) expect(part).not.toMatch(/\{\{|\{%|undefined|NaN/);
        expect(r.html).toContain(`lang="${locale}"`);
        expect(r.text).toContain(DEFAULT_BRANDING.name);
      }
    });
  }

  it('alert: the status in words, a recovery as recovered', async () => {
    const alert = (extra: object) => ({ alert: { ...(MINIMAL.alert.alert as object), ...extra } });
    const words = { en: { OK: 'OK', WARN: 'Warning', CRIT: 'Critical', NO_DATA: 'No data' }, de: { OK: 'OK', WARN: 'Warnung', CRIT: 'Kritisch', NO_DATA: 'Keine Daten' } };
    for (const locale of ['en', 'de'] as const) {
      for (const [status, word] of Object.entries(words[locale])) {
        const r = await engine.render(job('alert', locale, alert({ status })));
        expect(r.html).toContain(`>${word}</span>`);
        expect(r.subject).toMatch(new RegExp(`^\\[${status}\\] HTTP`));
      }
      const rec = await engine.render(job('alert', locale, alert({ status: 'OK', is_recovery: true, acknowledged_by: 'Dana' })));
      expect(rec.subject).toMatch(locale === 'en' ? /^\[RECOVERED\] HTTP on web-1$/ : /^\[BEHOBEN\] HTTP auf web-1$/);
      const acked = await engine.render(job('alert', locale, alert({ acknowledged_by: 'Dana', triggered_at: '2026-03-02T08:15:00Z' })));
      expect(acked.text).toContain('Dana');
      expect(acked.text).toContain(locale === 'en' ? '2026-03-02 08:15 UTC' : '02.03.2026 08:15 UTC');
    }
  });

  it('escapes data in HTML and keeps it as written in the text part', async () => {
    const r = await engine.render(job('contact_autoreply', 'en', { subject: '<b>hi</b> & bye', name: 'Dana', message: 'line 1\n<script>x</script>' }));
    expect(r.html).toContain('&lt;b&gt;hi&lt;/b&gt; &amp; bye');
    expect(r.html).toContain('line 1<br />\n&lt;script&gt;x&lt;/script&gt;');
    expect(r.html).not.toContain('<script>');
    expect(r.subject).toBe('We received your message: <b>hi</b> & bye');
    expect(r.text).toContain('<script>x</script>');
  });
});
