import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { chromiumAvailable, closedPort, openAdminSession, screenshot, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * Test connection on a saved server's page: ui.md says a relay on this machine is tested as long
 * as it listens on a mail port "or is the saved server's own host and port", with no environment
 * variable. The form tests what it shows, so a relay saved on another port (a sidecar on 2526, a
 * test sink) is reached while the form still shows its own host and port, with or without a typed
 * login; once the port is changed to another internal one, the network policy refuses it.
 */
await describeEachDialect('Servers: Test connection of a saved relay on its own port', (dialect) => {
  describe.runIf(chromiumAvailable())('in Chromium', { timeout: 90_000 }, () => {
    let s: AdminSession;
    let sink: Sink;
    let serverId: string;

    beforeAll(async () => {
      sink = await startSink();
      // No MAILROOM_ALLOW_PRIVATE_HOSTS: the saved server's own host and port is enough.
      s = await openAdminSession(dialect);
      const res = await s.live.t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'Sidecar', smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } } });
      expect(res.statusCode).toBe(201);
      serverId = res.json().id;
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      await sink?.close();
    });

    it('reaches the saved host and port from the server form, with and without a typed login; another internal port is refused', async () => {
      const { page } = s;
      await page.goto(`/servers/${serverId}`);
      const test = page.getByRole('button', { name: 'Test connection' });
      await test.click();
      await page.getByText('Connection test passed.').waitFor();
      expect(await page.locator('main').innerText()).not.toContain('Test not run');

      await page.getByLabel('Login (optional)').fill('app@example.com');
      await page.getByLabel('Password (optional)').fill('typed-password');
      await test.click();
      // The sink offers no AUTH: the login step fails with its reasons, but the server was reached.
      await page.getByText('connected to 127.0.0.1 port').waitFor();
      expect(await page.locator('main').innerText()).not.toContain('Test not run');
      await screenshot(page, `server-test-own-port-${dialect}`);

      // The values in the form are tested: another port of the loopback is not the saved server.
      await page.getByLabel('Port', { exact: true }).fill(String(await closedPort()));
      await test.click();
      await page.getByText('Test not run').waitFor();
      expect(await page.locator('main').innerText()).toContain('is not a mail port');
      expect(s.errors).toEqual([]);
    });
  });
});
