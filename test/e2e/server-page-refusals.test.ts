import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * A mail server's page says a refusal once, where it belongs: a refused sending limit at its
 * field (not again in the banner, never as `rateLimit.perMinute`), gone once the value is
 * corrected, with the folded section's title not repeating the refused value; and a server that
 * does not exist gets one "does not exist" message with the way back, not a second red box
 * about the accounts request the page also makes.
 * Screenshots: server-refusals-*.png.
 */
describe.runIf(chromiumAvailable())('server page refusals', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let serverId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    serverId = (await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
  }, 120_000);
  afterAll(async () => s?.close());

  for (const width of [1280, 375]) {
    it(`a refused sending limit is said once, at its field, and goes once corrected (${width} px)`, async () => {
      const { page } = s;
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`/servers/${serverId}`);
      const form = page.getByRole('form', { name: 'Edit server Relay' });
      const limits = form.getByTestId('server-rate-limits');
      await limits.locator('summary').click();
      const perMinute = limits.getByLabel('Per minute');
      await perMinute.fill('-5');
      await form.getByRole('button', { name: 'Save changes' }).click();
      const fieldError = limits.locator('.field-error');
      await fieldError.waitFor();
      expect(await fieldError.innerText()).toContain('must be at least 1');
      expect(await perMinute.getAttribute('aria-invalid')).toBe('true');
      // Once: no banner repeating it, and never the API's path.
      expect(await form.getByRole('alert').count()).toBe(0);
      expect(await page.getByText('rateLimit.perMinute').count()).toBe(0);
      // The folded section's title does not present the refused value as the server's limit.
      expect(await limits.locator('summary').innerText()).not.toContain('-5');
      await screenshot(page, `server-refusals-01-limit-refused-${width}`);

      await perMinute.fill('100');
      await expect.poll(() => fieldError.count()).toBe(0);
      expect(await perMinute.getAttribute('aria-invalid')).toBeNull();
      expect(await form.getByRole('alert').count()).toBe(0);
      expect(await limits.locator('summary').innerText()).toContain('≤ 100/min');
      await screenshot(page, `server-refusals-02-limit-corrected-${width}`);
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form.getByText('Saved.', { exact: true }).waitFor();
      // Back to no limit for the next width.
      await perMinute.fill('');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form.getByText('Saved.', { exact: true }).waitFor();
    });
  }

  it('a server that does not exist: one message and the way back', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/servers/srv_nope');
    await page.getByRole('alert').first().waitFor();
    // Wait for every request the page makes: a late second box would come now.
    await page.waitForLoadState('networkidle');
    const alerts = page.getByRole('alert');
    expect(await alerts.count()).toBe(1);
    expect(await alerts.innerText()).toContain('does not exist');
    expect(await page.getByText('serverId').count()).toBe(0);
    expect(await page.getByRole('link', { name: '← All servers' }).count()).toBe(1);
    await screenshot(page, 'server-refusals-03-no-such-server');
    expect(s.errors).toEqual([]);
  });
});
