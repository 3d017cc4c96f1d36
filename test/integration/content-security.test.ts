import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The Content-Security-Policy of each kind of answer (docs/security.md, "Content Security
 * Policy"): the admin UI runs only its own files; /docs has its own policy; a message's HTML
 * part is served alone, sandboxed, without remote content unless asked for. The browser side
 * (nothing runs, nothing is requested) is test/e2e/content-security.test.ts.
 */
const directives = (csp: unknown) => new Map(String(csp).split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')] as const));

const HOSTILE = '<p>Hi</p><script>alert(1)</script><img src="https://tracker.example/pixel.png">';

await describeEachDialect('content security policy', (dialect) => {
  let t: TestApp;
  let ui: FastifyInstance;
  let webRoot: string;
  let htmlId: string;
  let textId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    // The built UI may not exist in this checkout: a stand-in index.html is enough for the headers.
    webRoot = mkdtempSync(path.join(tmpdir(), 'mailroom-web-'));
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Mailroom</title><div id="root"></div>');
    ui = await buildServer(t.app.ports, t.app.routes, { webRoot, logger: false });
    await ui.ready();
    const send = async (payload: Record<string, unknown>) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 'CSP', ...payload } });
      expect(res.statusCode, res.body).toBe(202);
      return res.json().id as string;
    };
    htmlId = await send({ html: HOSTILE, text: 'Hi' });
    textId = await send({ text: 'only text' });
  });
  afterAll(async () => {
    await ui?.close();
    await t?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('gives the admin UI a strict policy: its own scripts only, no inline code, no eval, no plugins, no base, forms to itself', async () => {
    for (const url of ['/', '/messages', '/api-keys']) {
      const res = await ui.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      const csp = directives(res.headers['content-security-policy']);
      expect(csp.get('default-src'), url).toBe("'self'");
      expect(csp.get('script-src'), url).toBe("'self'");
      expect(csp.get('style-src'), url).toBe("'self'");
      expect(csp.get('img-src'), url).toBe("'self' data:");
      expect(csp.get('connect-src'), url).toBe("'self'");
      expect(csp.get('object-src'), url).toBe("'none'");
      expect(csp.get('base-uri'), url).toBe("'none'");
      expect(csp.get('form-action'), url).toBe("'self'");
      expect(csp.get('frame-ancestors'), url).toBe("'none'");
      expect(csp.get('require-trusted-types-for'), url).toBe("'script'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      for (const v of csp.values()) expect(v, url).not.toMatch(/unsafe|\*|https?:/);
    }
  });

  it("answers a browser's revalidation (304) without a policy, so the page's own stays (a reload never blanks the UI)", async () => {
    for (const url of ['/', '/messages']) {
      const first = await ui.inject({ method: 'GET', url });
      const etag = first.headers.etag;
      expect(etag, url).toBeTruthy();
      const again = await ui.inject({ method: 'GET', url, headers: { 'if-none-match': String(etag) } });
      expect(again.statusCode, url).toBe(304);
      // A 304's headers replace the cached answer's (RFC 9111 4.3.4): the data policy here blocked the UI's script.
      expect(again.headers['content-security-policy'], url).toBeUndefined();
    }
  });

  it('answers 404 for a missing file under /assets instead of the app page (a stale page then fails loudly, not blank)', async () => {
    const res = await ui.inject({ method: 'GET', url: '/assets/index-gone.js' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('MAILROOM_E_NOT_FOUND');
    expect((await ui.inject({ method: 'GET', url: '/events/order.1.js' })).statusCode).toBe(200);
  });

  it('serves the assets of a build made while it runs (index.html names them anew), with the same policy', async () => {
    mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
    writeFileSync(path.join(webRoot, 'assets', 'index-new1.js'), 'console.log(1)');
    const res = await ui.inject({ method: 'GET', url: '/assets/index-new1.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['content-type']).toMatch(/javascript/);
    // Nothing outside assets/ through it, nor a name that is not a plain file name.
    for (const url of ['/assets/..%2findex.html', '/assets/.hidden', '/assets/sub/x.js', '/assets/index-gone.js']) expect((await ui.inject({ method: 'GET', url })).statusCode, url).toBe(404);
  });

  it('gives /docs (Swagger UI) its own policy and everything else nothing to run', async () => {
    const docs = await ui.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    const csp = directives(docs.headers['content-security-policy']);
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    for (const url of ['/api/v1/session', '/healthz', '/docs/json']) {
      const res = await t.request({ method: 'GET', url });
      expect(directives(res.headers['content-security-policy']).get('default-src'), url).toBe("'none'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it("serves a message's HTML part alone: sandboxed, scripts off, no remote content, framed only by Mailroom", async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(HOSTILE);
    const csp = directives(res.headers['content-security-policy']);
    // "sandbox" with no flags: even opened on its own, the page has no origin, scripts or forms.
    expect(csp.get('sandbox')).toBe('');
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBeUndefined();
    expect(csp.get('img-src')).toBe('data:');
    expect(csp.get('style-src')).toBe("'unsafe-inline'");
    expect(csp.get('frame-ancestors')).toBe("'self'");
    expect(csp.get('form-action')).toBe("'none'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('adds remote images, styles and fonts only when asked, and still no script', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html?remote=true` });
    expect(res.statusCode).toBe(200);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('sandbox')).toBe('');
    expect(csp.get('img-src')).toBe('data: https: http:');
    expect(csp.get('style-src')).toBe("'unsafe-inline' https: http:");
    expect(csp.get('font-src')).toBe('data: https: http:');
    expect(csp.get('script-src')).toBeUndefined();
    expect(csp.get('default-src')).toBe("'none'");
    expect(directives((await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html?remote=false` })).headers['content-security-policy']).get('img-src')).toBe('data:');
  });

  it('refuses what it cannot serve, with a code', async () => {
    const none = await t.request({ method: 'GET', url: `/api/v1/messages/${textId}/html` });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('MAILROOM_E_NOT_FOUND');
    expect(none.json().error.message).toMatch(/no HTML part/);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages/msg_nope/html' })).statusCode).toBe(404);
    for (const q of ['?remote=yes', '?remote=', '?images=true']) {
      const bad = await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html${q}` });
      expect(bad.statusCode, q).toBe(400);
      expect(['MAILROOM_E_VALIDATION', 'MAILROOM_E_UNKNOWN_FIELD'], q).toContain(bad.json().error.code);
    }
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html`, key: null })).statusCode).toBe(401);
    const sendOnly = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'sender', scopes: ['send'] } });
    const forbidden = await t.request({ method: 'GET', url: `/api/v1/messages/${htmlId}/html`, key: sendOnly.json().key });
    expect(forbidden.statusCode).toBe(403);
  });
});
