import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * Setup is an admin's: a viewer or an operator who opens /setup by its address is told that only
 * an admin can run it, and gets no preset, no form and no button (as Secrets, Users and API keys
 * treat them); the setup banner they see lists what is missing without offering the wizard or
 * links that add servers. A viewer on a server's read-only page gets no Cancel under the locked
 * form either.
 * Screenshots: non-admin-*.png.
 */
describe.runIf(chromiumAvailable())('setup and server pages for viewers and operators', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let serverId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    await api('POST', '/users', { email: 'viewer@example.com', role: 'viewer', password: 'viewer-password-1' });
    await api('POST', '/users', { email: 'operator@example.com', role: 'operator', password: 'operator-password-1' });
  }, 120_000);
  afterAll(async () => s?.close());

  for (const [role, width] of [
    ['viewer', 1280],
    ['operator', 375],
  ] as const) {
    it(`a ${role} opening /setup is told only an admin can run it, and gets no form (${width} px)`, async () => {
      const other = await newPage(s.browser, s.live.baseUrl, { width, height: 800 });
      try {
        const { page } = other;
        await login(page, `${role}@example.com`, `${role}-password-1`);
        await page.goto('/setup');
        await page.getByText('Only an admin can run the setup wizard').waitFor();
        expect(await page.getByRole('heading', { name: 'Set up mail', level: 1 }).count()).toBe(1);
        const main = page.locator('main#main');
        expect(await main.locator('form, input, select, textarea').count()).toBe(0);
        expect(await main.getByRole('radio').count()).toBe(0);
        expect(await main.getByRole('button', { name: /Save and continue|Test connection|Other SMTP server/ }).count()).toBe(0);
        // The banner (no server yet) offers them neither the wizard nor a way to add a server.
        const banner = page.getByTestId('setup-banner');
        await banner.waitFor();
        expect(await banner.getByRole('link', { name: /setup wizard|Add a mail server|Add an account/ }).count()).toBe(0);
        await screenshot(page, `non-admin-01-setup-${role}-${width}`);
        expect(other.errors).toEqual([]);
      } finally {
        await other.context.close();
      }
    });
  }

  it('a viewer on a server’s page gets the locked form without a Cancel button', async () => {
    serverId = (await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
    const other = await newPage(s.browser, s.live.baseUrl, { width: 1280, height: 900 });
    try {
      const { page } = other;
      await login(page, 'viewer@example.com', 'viewer-password-1');
      await page.goto(`/servers/${serverId}`);
      const form = page.getByRole('form', { name: 'Edit server Relay' });
      await form.waitFor();
      expect(await form.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
      expect(await form.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
      expect(await form.getByRole('button', { name: /Save/ }).count()).toBe(0);
      await screenshot(page, 'non-admin-02-server-viewer');
      expect(other.errors).toEqual([]);
    } finally {
      await other.context.close();
    }
  });
});
