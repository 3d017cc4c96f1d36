import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * Enter in a field does what the nearest button says. On a mail server's page the *Test these
 * settings* Login and Password sit under the server's own fields: Enter there runs *Test
 * connection* and never saves the server (an edit the admin only meant to try stays unsaved, and
 * still typed). Enter in the server's own fields still saves it.
 * Screenshots: server-form-keys-*.png.
 */
describe.runIf(chromiumAvailable())('server form: Enter in the test fields tests, it does not save', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let serverId: string;
  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await s.live.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { id: string; name: string };
  };

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    serverId = (await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).id;
    // Each test leaves typed work behind: the browser's own question on leaving is answered "leave".
    s.page.on('dialog', (d) => void d.accept().catch(() => undefined));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  for (const [field, width] of [
    ['Password (optional)', 1280],
    ['Login (optional)', 375],
  ] as const) {
    it(`Enter in "${field}" runs the test and leaves the renamed server unsaved (${width} px)`, async () => {
      const { page } = s;
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`/servers/${serverId}`);
      const form = page.getByRole('form', { name: 'Edit server Sink' });
      await form.getByLabel('Name', { exact: true }).fill('Sink renamed');
      await page.getByLabel('Login (optional)').fill('app@example.com');
      await page.getByLabel('Password (optional)').fill('typed-password');
      await page.getByLabel(field).press('Enter');
      // The test ran: its result is shown under its button.
      await page.getByTestId('diagnostics').waitFor();
      expect(await page.getByText('Saved.', { exact: true }).count()).toBe(0);
      expect((await api('GET', `/servers/${serverId}`)).name).toBe('Sink');
      // What was typed is still there, and the focus stayed where Enter was pressed.
      expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('Sink renamed');
      expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.id ?? '')).toBe(await page.getByLabel(field).getAttribute('id'));
      await screenshot(page, `server-form-keys-01-enter-tests-${width}`);
    });
  }

  it('Enter in the server’s own Name field still saves it', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const name = page.getByRole('form', { name: 'Edit server Sink' }).getByLabel('Name', { exact: true });
    await name.fill('Sink saved');
    await name.press('Enter');
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect((await api('GET', `/servers/${serverId}`)).name).toBe('Sink saved');
    expect(s.errors).toEqual([]);
  });
});
