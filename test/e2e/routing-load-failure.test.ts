import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * Routing while Mailroom cannot be reached: the page said so, and under it the Defaults card's
 * "Loading…" turned for ever, though every request had failed. Now the failure stands alone, once,
 * with *Try again*, which loads the page once Mailroom answers. Screenshots: routing-load-failure-*.png.
 */
describe.runIf(chromiumAvailable())('Routing: a page whose data failed to load', { timeout: 120_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  }, 120_000);
  afterAll(async () => s?.close());

  it('shows the error once and no spinner, and Try again loads it', async () => {
    const { page } = s;
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/settings');
      await page.locator('main#main h1').waitFor();
      // Mailroom "goes down": every API request fails as a stopped server's would.
      await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
      await page.evaluate(() => {
        window.history.pushState({}, '', '/routing');
        window.dispatchEvent(new PopStateEvent('popstate'));
      });
      const main = page.locator('main#main');
      await main.getByRole('heading', { name: 'Routing', level: 1 }).waitFor();
      await expect.poll(() => main.getByText(/Mailroom cannot be reached/).count()).toBe(1);
      // The requests have failed: nothing is loading any more.
      await page.waitForTimeout(500);
      expect(await main.getByText('Loading…').count()).toBe(0);
      expect(await main.locator('.spinner').count()).toBe(0);
      await screenshot(page, `routing-load-failure-${width}`);

      await page.unroute('**/api/v1/**');
      await main.getByRole('button', { name: 'Try again' }).click();
      await main.locator('[data-purpose="report"]').waitFor();
      await main.getByRole('region', { name: 'Defaults' }).waitFor();
      expect(await main.getByText(/Mailroom cannot be reached/).count()).toBe(0);
    }
    expect(s.errors).toEqual([]);
  });
});
