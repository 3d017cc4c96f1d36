import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { Dialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(root, 'test-artifacts', 'screenshots');

/** Whether the browser suite can run here; with CI=true Chromium must be installed, so the suite fails instead of skipping. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium package`);
  console.warn(`[mailroom e2e] ${CHROMIUM} not found: the browser suite is SKIPPED (apt-get install chromium)`);
  return false;
}

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

function webIsFresh(): boolean {
  const index = path.join(root, 'web', 'dist', 'index.html');
  const sources = Math.max(newestMtime(path.join(root, 'web', 'src')), newestMtime(path.join(root, 'web', 'index.html')), newestMtime(path.join(root, 'web', 'vite.config.ts')));
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

/**
 * Builds web/dist when it is missing or older than its sources (CI's npm ci has built it
 * already). Test files run in parallel processes: a lock directory makes one of them build
 * while the others wait, so no server starts on a half-emptied dist.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (webIsFresh()) return;
  const lock = path.join(root, 'web', '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no build is running)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    // NODE_ENV as `npm run build` has it: vitest sets it to "test", which made Vite bundle React's
    // development build (925 KB against 472), and that bundle stayed in web/dist for `npm start`.
    if (!webIsFresh()) execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Sink {
  port: number;
  messages: { from: string; to: string[]; subject: string; text: string }[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 without TLS or AUTH that keeps what it got (and refuses reject*@ recipients). */
export async function startSink(): Promise<Sink> {
  const messages: Sink['messages'] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    // Any recipient starting with "reject" gets a permanent refusal, for the failed-message views.
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('reject')) {
        const err = new Error('5.1.1 No such user here') as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
          });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Live {
  t: TestApp;
  baseUrl: string;
  close(): Promise<void>;
}

/** A real Mailroom (API, UI and workers) listening on a free loopback port. */
export async function startMailroom(dialect: Dialect, opts: TestAppOptions = {}): Promise<Live> {
  const t = await startTestApp(dialect, { ...opts, config: { runWorkers: true, ...(opts.config ?? {}) } });
  await t.app.startWorkers();
  await t.server.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.server.server.address() as AddressInfo).port;
  return { t, baseUrl: `http://127.0.0.1:${port}`, close: () => t.close() };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

export async function newPage(browser: Browser, baseUrl: string, viewport = { width: 1366, height: 900 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  // Uncaught exceptions in the app are test failures; failed API calls are expected in places.
  page.on('pageerror', (err) => errors.push(err.message));
  // Belt and braces: the UI may only ever talk to its own origin.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'about:') return route.continue();
    errors.push(`request to a foreign host blocked: ${url.href}`);
    return route.abort();
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A running Mailroom, a browser and a page signed in as the first admin: where most UI suites start. */
export interface AdminSession {
  live: Live;
  browser: Browser;
  page: Page;
  /** Uncaught page errors and blocked foreign requests (see newPage); a suite expects it empty. */
  errors: string[];
  /** Closes the browser, then Mailroom. */
  close(): Promise<void>;
}

export async function openAdminSession(dialect: Dialect, opts: TestAppOptions = {}): Promise<AdminSession> {
  await ensureWebBuilt();
  const live = await startMailroom(dialect, opts);
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser, live.baseUrl);
  await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  return {
    live,
    browser,
    page,
    errors,
    close: async () => {
      await browser.close();
      await live.close();
    },
  };
}

/**
 * The API as the session's server answers it, for a test's set-up: a refusal fails the test
 * with the answer's body. `session` is read at each call (the session opens in beforeAll).
 */
export function setUpApi(session: () => AdminSession) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await session().live.t.request({ method, url: `/api/v1${url}`, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { id: string } & Record<string, unknown>;
  };
}

/** Another page of the session's signed-in admin, at `viewport` (a phone's width, say). */
export async function signedInPageAt(session: AdminSession, viewport: { width: number; height: number }): Promise<Awaited<ReturnType<typeof newPage>>> {
  const p = await newPage(session.browser, session.live.baseUrl, viewport);
  await p.context.addCookies(await session.page.context().cookies());
  return p;
}

export async function login(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main#main').waitFor();
}

/**
 * Collects what the Content-Security-Policy refused on this page, in every frame: the
 * `securitypolicyviolation` events of the page and Chromium's console reports ("Refused to …",
 * Trusted Types). Normal use must leave the list empty (test/e2e/content-security.test.ts).
 */
export async function watchContentSecurity(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeBinding('__mailroomCspViolation', (_source, v: string) => void violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __mailroomCspViolation?: (v: string) => void }).__mailroomCspViolation;
      report?.(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} on ${e.documentURI}`);
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Trusted Type/i.test(m.text())) violations.push(`console ${m.type()}: ${m.text()}`);
  });
  return violations;
}
