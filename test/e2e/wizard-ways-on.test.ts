import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, type Live } from './harness.js';

/**
 * The wizard never leaves an admin stuck: the provider cards hold their text at laptop width
 * (Postmark's long host name included), a connection test that fails still offers a way on
 * ("Continue anyway", and "Skip the test" before one ran), and the test email can be skipped,
 * so the default sender can be chosen while the relay is still being fixed. No step shows an
 * API field name (camelCase) where people read labels and hints.
 */
describe.runIf(chromiumAvailable())('wizard: every step has a way on', { timeout: 90_000 }, () => {
  let live: Live;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await ensureWebBuilt();
    live = await startMailroom('sqlite');
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl, { width: 1366, height: 900 }));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('keeps every provider card’s text inside the card at 1366 px and at 1024 px', async () => {
    await page.waitForURL('**/setup');
    const postmark = page.getByRole('radio', { name: /Postmark/ });
    await postmark.waitFor();
    expect(await postmark.textContent()).toContain('smtp.postmarkapp.com');
    for (const width of [1366, 1024]) {
      await page.setViewportSize({ width, height: 900 });
      // Every card, every piece of text in it: nothing wider than the card, nothing past its right edge.
      const overflowing = await page.locator('.preset-grid .preset').evaluateAll((cards) =>
        cards.flatMap((card) => {
          const box = card.getBoundingClientRect();
          const inner = [...card.querySelectorAll('span')].filter((s) => s.getBoundingClientRect().right > box.right + 0.5 || s.getBoundingClientRect().left < box.left - 0.5);
          return card.scrollWidth > card.clientWidth || inner.length > 0 ? [card.textContent ?? ''] : [];
        }),
      );
      expect(overflowing, `at ${width} px`).toEqual([]);
      await screenshot(page, `wizard-presets-${width}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('goes on after a failed connection test, skips the test email and still sets the default sender; no step shows an API field name', async () => {
    const port = await closedPort();
    // Words like "defaultAccountId" or "connectTimeoutSec" anywhere in the step's text (labels, hints, buttons).
    const seen: string[] = [];
    const apiNames = async (step: string) => {
      const text = await page.locator('.wizard-body').innerText();
      for (const word of text.match(/\b[a-z]+(?:[A-Z][a-z0-9]*)+\b/g) ?? []) seen.push(`${step}: ${word}`);
    };
    await apiNames('provider');
    await page.getByRole('radio', { name: /Other SMTP server/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('Relay not running yet');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByRole('radio', { name: /No encryption/ }).check();
    await page.getByLabel('Port', { exact: true }).fill(String(port));
    await apiNames('server');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel('Sender address').fill('app@example.com');
    await apiNames('account');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('heading', { name: /Step 4/ }).waitFor();
    // Before any test: a way on without one.
    await page.getByRole('button', { name: 'Skip the test' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    // The saved server's own host and port are tested (no variable needed); nothing listens there.
    await page.getByText(`Nothing accepts connections on 127.0.0.1:${port}`).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('Connection test passed.').count()).toBe(0);
    const onward = page.getByRole('button', { name: 'Continue anyway' });
    await onward.waitFor();
    await screenshot(page, 'wizard-test-failed-way-on');
    await apiNames('test');
    await onward.click();
    await page.getByRole('heading', { name: /Step 5/ }).waitFor();
    await apiNames('test email');
    await page.getByRole('button', { name: 'Skip the test email' }).click();
    await page.getByRole('heading', { name: /Step 6/ }).waitFor();
    await apiNames('default sender');
    await page.getByRole('button', { name: 'Make app@example.com the default sender' }).click();
    await page.getByText('is now the default sender').waitFor();
    const settings = (await live.t.request({ method: 'GET', url: '/api/v1/settings' })).json() as { defaultAccountId: { value: string | null } };
    expect(settings.defaultAccountId.value).toMatch(/^acc_/);
    expect(seen).toEqual([]);
    await screenshot(page, 'wizard-done-after-failed-test');
    expect(errors).toEqual([]);
  });
});
