import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePostfix, startPrivatePostfix, type PrivatePostfix } from '../helpers/postfix.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, type Live } from './harness.js';

/** Whether nothing listens on 127.0.0.1:`port` (binding it briefly tells). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const postfixHere = (() => {
  if (havePostfix()) return true;
  if (process.env.CI === 'true') throw new Error('CI=true but Postfix (/usr/sbin/postfix, root) is not available');
  return false;
})();

/**
 * The first hour on a fresh machine: Mailroom started with no variables at all (no
 * MAILROOM_ALLOW_PRIVATE_HOSTS), a Postfix relay on this machine at 127.0.0.1:25. The admin
 * creates the server, tests it, and finishes the wizard through the test email and the default
 * sender without a restart; a probe of another local port is still refused, saying what to do.
 */
describe.runIf(chromiumAvailable() && postfixHere)('first hour: a relay on this machine, the wizard to the end', { timeout: 120_000 }, () => {
  let postfix: PrivatePostfix;
  let live: Live;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let port = 25;

  beforeAll(async () => {
    await ensureWebBuilt();
    // 25 is the relay's usual port; 2525 (also a mail port) only if something else holds 25 here.
    if (!(await portFree(25))) port = 2525;
    postfix = await startPrivatePostfix({ port, prefix: 'mailroom-first-hour-' });
    live = await startMailroom('sqlite');
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await postfix?.stop();
  });

  it(`tests 127.0.0.1:${port} and finishes the wizard through the test email and the default sender`, async () => {
    expect(process.env.MAILROOM_ALLOW_PRIVATE_HOSTS ?? '').toBe('');
    await page.waitForURL('**/setup');
    await page.getByRole('radio', { name: /Own Postfix|Other SMTP server/ }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Postfix on this machine');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill(String(port));
    // The server form's own test, on the unsaved values: a local relay on a mail port is allowed.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection test passed.').waitFor();
    // A result is about the values it tested: changing the encryption takes it away.
    await page.getByRole('radio', { name: /STARTTLS/ }).check();
    expect(await page.getByText('Connection test passed.').count()).toBe(0);
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel('Sender address').fill('app@example.com');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('heading', { name: /Step 4/ }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection test passed.').waitFor();
    await screenshot(page, 'first-hour-04-local-relay-test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Send to').fill('ops@example.net');
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.locator('[data-testid="message-watch"][data-status="sent"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: /Make .* the default sender/ }).click();
    await page.getByText('is now the default sender').waitFor();
    await page.getByTestId('setup-banner').waitFor({ state: 'detached' });
    await screenshot(page, 'first-hour-06-done');
  });

  it('shows expiries in minutes, hours or days, not seconds', async () => {
    await page.goto('/routing');
    const twoFactor = page.locator('#purpose-two_factor-expire');
    await twoFactor.waitFor();
    expect(await twoFactor.inputValue()).toBe('10');
    expect(await page.locator('#purpose-two_factor-expire + select').inputValue()).toBe('60');
  });

  it('still refuses a probe of 127.0.0.1:6379, saying what the variable is and that a restart is needed', async () => {
    await page.goto('/servers/new');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill('6379');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const refusal = page.getByText(/127\.0\.0\.1 is a loopback address and 6379 is not a mail port/);
    await refusal.waitFor();
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain('set the environment variable MAILROOM_ALLOW_PRIVATE_HOSTS=127.0.0.1');
    expect(text).toContain('restart it');
    await screenshot(page, 'first-hour-refused-6379');
    expect(errors).toEqual([]);
  });
});
