import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * The admin guide's checklist said "Add a server (Servers → Use a preset)" and the setup banner
 * sent admins to Servers for "a provider preset" that page did not have: the Add mail server page
 * offers the same presets as the wizard. Choosing one fills host, port and encryption, names the
 * server and shows the provider's catch; choosing another replaces all of that; what is saved is
 * what the form then shows.
 */
await describeEachDialect('Servers: Use a preset', (dialect) => {
  describe.runIf(chromiumAvailable())('in Chromium', { timeout: 90_000 }, () => {
    let s: AdminSession;

    beforeAll(async () => {
      s = await openAdminSession(dialect);
    }, 120_000);
    afterAll(async () => s?.close());

    it('fills host, port and encryption from the chosen preset, shows its catch, and saves what the form shows', async () => {
      const { page } = s;
      await page.goto('/servers');
      await page.getByRole('link', { name: 'Add server' }).click();
      await page.waitForURL('**/servers/new');
      const preset = page.getByLabel('Use a preset');
      await preset.selectOption({ label: 'Mailgun' });
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Mailgun');
      expect(await page.getByLabel('SMTP host').inputValue()).toBe('smtp.mailgun.org');
      expect(await page.getByLabel('Port', { exact: true }).inputValue()).toBe('587');
      expect(await page.getByRole('radio', { name: /^STARTTLS/ }).isChecked()).toBe(true);
      await page.getByText('Credentials belong to one sending domain').waitFor();

      // Another preset replaces the first one's values and its catch.
      await preset.selectOption({ label: 'Local relay (localhost)' });
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Local relay (localhost)');
      expect(await page.getByLabel('SMTP host').inputValue()).toBe('localhost');
      expect(await page.getByLabel('Port', { exact: true }).inputValue()).toBe('25');
      expect(await page.getByRole('radio', { name: /^No encryption/ }).isChecked()).toBe(true);
      expect(await page.getByText('Credentials belong to one sending domain').count()).toBe(0);
      await page.getByText('A relay on the same machine').waitFor();
      await screenshot(page, `server-preset-local-relay-${dialect}`);

      // Saved as shown, under the name the preset gave.
      await page.getByLabel('Name', { exact: true }).fill('Sidecar relay');
      await page.getByRole('button', { name: 'Create server' }).click();
      await page.waitForURL(/\/servers\/srv_/);
      const servers = (await s.live.t.request({ method: 'GET', url: '/api/v1/servers' })).json().items as { name: string; smtp: { host: string; port: number; security: string } }[];
      expect(servers.map((x) => ({ name: x.name, host: x.smtp.host, port: x.smtp.port, security: x.smtp.security }))).toEqual([{ name: 'Sidecar relay', host: 'localhost', port: 25, security: 'none' }]);
      // An existing server's page offers no preset: it would overwrite what is saved.
      expect(await page.getByLabel('Use a preset').count()).toBe(0);
      expect(s.errors).toEqual([]);
    });
  });
});
