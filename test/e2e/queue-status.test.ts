import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, ensureWebBuilt, launchBrowser, login, newPage, openAdminSession, screenshot, startMailroom, startSink, type AdminSession, type Live, type Sink } from './harness.js';

/**
 * The email log's status strip against a real outbox: workers delivering to a real SMTP server
 * (which refuses reject@ recipients), a port nothing listens on (deferred, and expired when the
 * next try would come too late), and a peer that accepts the connection and never greets (a
 * message stays "sending"). A second Mailroom without workers and with a manual clock shows
 * the calm empty state and the warning when due mail waits too long.
 */
const run = chromiumAvailable();
const PHONE = { width: 390, height: 844 };

/** A TCP peer that accepts and says nothing: an SMTP client waits for its greeting. */
async function startSilentPeer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const strip = (page: Page) => page.getByTestId('queue-status');
const count = async (page: Page, name: string) => (await strip(page).locator(`[data-count="${name}"]`).textContent())?.trim();

describe.runIf(run)('email log status strip on a real queue', { timeout: 90_000 }, () => {
  let live: Live;
  let sink: Sink;
  let silent: Awaited<ReturnType<typeof startSilentPeer>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let relayAccount = '';

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await live.t.request({ method, url: `/api/v1${url}`, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { id: string } & Record<string, unknown>;
  };
  const account = async (name: string, port: number, extra: object, address: string) => {
    const server = await api('POST', '/servers', { name, smtp: { host: '127.0.0.1', port, security: 'none', requireTls: false, ...extra }, retry: { backoffSec: [3600] } });
    return (await api('POST', '/accounts', { serverId: server.id, address })).id;
  };
  const send = (accountId: string, to: string, subject: string, extra: object = {}) => api('POST', '/messages', { accountId, to: [to], subject, text: 'x', ...extra });

  beforeAll(async () => {
    await ensureWebBuilt();
    sink = await startSink();
    silent = await startSilentPeer();
    // The SSRF guard refuses loopback unless allow-listed: every peer lives on 127.0.0.1.
    live = await startMailroom('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // The silent peer first: its hung delivery ends (deferred) instead of holding the worker.
    await silent?.close();
    await live?.close();
    await sink?.close();
  });

  it('shows queued, deferred, sending and what failed or expired, matching the outbox', async () => {
    const good = (relayAccount = await account('Relay', sink.port, {}, 'robot@example.com'));
    const down = await account('Down', await closedPort(), { connectTimeoutSec: 5 }, 'down@example.com');
    const hung = await account('Silent', silent.port, { connectTimeoutSec: 300 }, 'hung@example.com');
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    await send(good, 'reject-1@example.net', 'Refused 1');
    await send(good, 'reject-2@example.net', 'Refused 2');
    await send(good, 'ops@example.net', 'Delivered');
    for (let i = 1; i <= 3; i++) await send(down, 'ops@example.net', `Waiting ${i}`);
    // It expires too soon for a retry (the last one is made 1 s before the expiry, and no sooner
    // than 1 s after an attempt): the first refusal, or the claim, expires it.
    await send(down, 'ops@example.net', 'Too late', { expireAt: new Date(Date.now() + 1_500).toISOString() });
    await send(hung, 'ops@example.net', 'Stuck on the wire');
    for (let i = 1; i <= 4; i++) await send(good, 'ops@example.net', `Later ${i}`, { sendAt: inAnHour });

    const want = { queued: 4, deferred: 3, sending: 1, failedLast24h: 2, expiredLast24h: 1, oldestDueAt: null };
    await expect.poll(async () => (await live.t.request({ method: 'GET', url: '/api/v1/messages/stats' })).json(), { timeout: 30_000, interval: 250 }).toMatchObject(want);

    await page.goto('/messages');
    await strip(page).waitFor();
    expect(await strip(page).getAttribute('data-state')).toBe('busy');
    expect(await count(page, 'queued')).toBe('4 queued');
    expect(await count(page, 'deferred')).toBe('3 deferred');
    expect(await count(page, 'sending')).toBe('1 sending');
    // Nothing is due (the rest is scheduled or waits for its next try): no age to show.
    expect(await strip(page).locator('[data-count="oldest-due"]').count()).toBe(0);
    expect(await page.getByTestId('queue-endings').textContent()).toBe('2 failed, 1 expired in 24 h');
    expect(await strip(page).getByText('Warning').count()).toBe(0);
    await screenshot(page, '40-queue-status');

    const phone = await newPage(browser, live.baseUrl, PHONE);
    try {
      await login(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.goto('/messages');
      await phone.page.getByTestId('queue-endings').waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await screenshot(phone.page, '41-phone-queue-status');
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('links the failed count to the log filtered by that status', async () => {
    await strip(page).getByRole('link', { name: '2 failed' }).click();
    await page.waitForURL('**/messages?status=failed');
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.locator('.chip').allTextContents()).toEqual(['failed', 'failed']);
    expect((await rows.allTextContents()).every((t) => t.includes('Refused'))).toBe(true);
    expect(await page.getByLabel('Status').inputValue()).toBe('failed');
    await screenshot(page, '42-queue-status-failed-filter');
    // The expired link does the same for its status.
    await strip(page).getByRole('link', { name: '1 expired' }).click();
    await page.waitForURL('**/messages?status=expired');
    await expect.poll(() => page.locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('Too late')]);
  });

  it('refreshes by itself while visible and stops polling while the tab is hidden', async () => {
    // The page's clock is Playwright's, at the real pace: the 10 s poll interval is run on it
    // instead of waited for. The page's own timer still fires, and its request goes out as it would.
    await page.clock.install();
    await page.goto('/messages');
    await strip(page).waitFor();
    await send(relayAccount, 'ops@example.net', 'Later 5', { sendAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await count(page, 'queued')).toBe('4 queued');
    // No click: the 10 s poll brings the new count.
    await page.clock.runFor(10_000);
    await expect.poll(() => count(page, 'queued'), { timeout: 20_000, interval: 500 }).toBe('5 queued');

    let polls = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/messages/stats')) polls++;
    });
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    polls = 0;
    // Longer than one poll interval: a running timer would have asked at least once. The real
    // second after it lets a request that a timer started reach the browser's network.
    await page.clock.runFor(12_000);
    await page.waitForTimeout(1_000);
    expect(polls).toBe(0);
    // Shown again: it asks at once rather than at the next tick.
    await setVisibility('visible');
    await expect.poll(() => polls, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});

describe.runIf(run && (await postgresAvailable()))('email log status strip when the queue is idle or stalled', { timeout: 60_000 }, () => {
  // The real time to begin with (session cookies expire by this clock), then moved by hand.
  const clock = new ManualClock(Date.now());
  let live: Live;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  let session: AdminSession | undefined;

  beforeAll(async () => {
    // No workers: what is due stays due, as when every worker has stopped.
    session = await openAdminSession('postgres', { clock, config: { runWorkers: false }, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    ({ live, browser, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.close());

  /** Clicks Refresh and waits until the strip shows `state` (the answer is rendered, not just received). */
  const refreshUntil = async (state: string) => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`[data-testid="queue-status"][data-state="${state}"]`).waitFor();
  };

  it('is calm when nothing waits', async () => {
    await page.goto('/messages');
    await strip(page).waitFor();
    expect(await strip(page).getAttribute('data-state')).toBe('empty');
    expect((await strip(page).textContent())?.trim()).toBe('✓ Queue empty');
    expect(await strip(page).getAttribute('class')).toContain('alert-success');
    await screenshot(page, '43-queue-status-empty');
  });

  it('ages the oldest due message and warns, with a hint, after five minutes', async () => {
    for (const subject of ['Stalled 1', 'Stalled 2']) {
      const res = await live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject, text: 'x' } });
      expect(res.statusCode).toBe(202);
    }
    clock.advance(2 * 60_000);
    await refreshUntil('busy');
    expect(await count(page, 'queued')).toBe('2 queued');
    expect(await count(page, 'oldest-due')).toBe('oldest due 2 min ago');
    expect(await strip(page).getByText('Warning').count()).toBe(0);

    clock.advance(4 * 60_000 + 30_000);
    await refreshUntil('stuck');
    expect(await strip(page).getAttribute('class')).toContain('alert-warning');
    // Said in words, not only in colour.
    expect((await strip(page).textContent()) ?? '').toMatch(/^Warning: 2 queued\s·\s0 deferred\s·\s0 sending\s·\soldest due 6 min ago/);
    expect(await page.getByTestId('queue-hint').textContent()).toMatch(/workers stopped, or a server keeps deferring\? See Mail servers → Test connection/);
    await screenshot(page, '44-queue-status-stalled');

    const phone = await newPage(browser, live.baseUrl, PHONE);
    try {
      await login(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.goto('/messages');
      await phone.page.getByTestId('queue-hint').waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await screenshot(phone.page, '45-phone-queue-status-stalled');
    } finally {
      await phone.context.close();
    }

    await page.getByTestId('queue-hint').getByRole('link', { name: 'Mail servers' }).click();
    await page.waitForURL('**/servers');
    expect(errors).toEqual([]);
  });
});
