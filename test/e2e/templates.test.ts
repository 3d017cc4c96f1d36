import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, SCREENSHOTS, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * The Templates page in Chromium against a real Mailroom and a real SMTP peer: set the brand,
 * edit the German password-reset subject and watch the live preview follow, see an error at its
 * line, save, send a test to oneself and find it at the peer, then find the template version and
 * locale on the message's page.
 */
const run = chromiumAvailable();
const PHONE = { width: 390, height: 844 };

/** The screen with the preview's HTML frame scrolled into view (a full-page shot of a phone leaves frames below the fold blank). */
async function previewShot(page: Page, name: string): Promise<void> {
  await page.locator('.preview-frame').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

describe.runIf(run)('Templates page', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
    const api = async (url: string, payload: object) => {
      const res = await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string };
    };
    const server = await api('/servers', { name: 'peer', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    await api('/accounts', { serverId: server.id, address: 'noreply@acme.example', fromName: 'Acme Cloud' });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('brands, edits the German password-reset subject with a live preview, saves, and sends a test that arrives', async () => {
    const { page } = s;
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    for (const key of ['password_reset', 'two_factor', 'alert', 'report']) await page.locator(`tr[data-template="${key}"]`).waitFor();

    // The brand every layout shows.
    await page.getByLabel('Brand name').fill('Acme Cloud');
    await page.getByLabel('Footer').fill('Acme Cloud GmbH · Hauptstraße 1 · 1010 Wien');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByText('Saved. Messages accepted from now on use it.').waitFor();
    await screenshot(page, 'templates-01-list');

    await page.getByRole('link', { name: 'Password reset' }).click();
    await page.getByRole('heading', { name: 'Password reset', level: 1 }).waitFor();
    await page.getByRole('tab', { name: 'de' }).click();
    const subject = page.getByTestId('preview-subject');
    await expect.poll(() => subject.textContent()).toBe('Ihr Passwort für Acme Cloud zurücksetzen');
    await page.frameLocator('iframe[title="Preview of the HTML part"]').getByText('Passwort zurücksetzen').first().waitFor();

    // Type a new subject: the preview follows.
    await page.getByLabel('Subject (de)').fill('{{ user.name }}, Ihr neues Passwort für {{ brand.name }}');
    await expect.poll(() => subject.textContent()).toBe('Ann Example, Ihr neues Passwort für Acme Cloud');
    expect(await page.getByTestId('preview-text').textContent()).toContain('Acme Cloud GmbH');
    await screenshot(page, 'templates-02-editor-de-preview');

    // A mistake is shown at its line, in the field, before anything is saved.
    const html = page.getByLabel('HTML (de)');
    const original = await html.inputValue();
    await html.fill(`${original}<p>{{ user.nmae }}</p>\n`);
    const fieldError = page.getByTestId('field-error');
    await fieldError.waitFor();
    const line = original.split('\n').length;
    expect(await fieldError.textContent()).toContain(`Line ${line}, column 7`);
    expect(await fieldError.textContent()).toContain('undefined variable: user.nmae');
    await screenshot(page, 'templates-03-error-at-line');
    await html.fill(original);
    await fieldError.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved as version 2.').waitFor();
    expect(await page.getByRole('tab', { name: 'de' }).getAttribute('aria-selected')).toBe('true');

    await page.getByRole('button', { name: 'Send test to me' }).click();
    const watch = page.getByTestId('message-watch');
    await expect.poll(() => watch.getAttribute('data-status'), { timeout: 30_000 }).toBe('sent');
    const got = sink.messages.find((m) => m.to.includes(ADMIN_EMAIL));
    expect(got?.subject).toBe('Ann Example, Ihr neues Passwort für Acme Cloud');
    expect(got?.text).toContain('wir haben eine Anfrage erhalten');
    expect(got?.text).toContain('Acme Cloud GmbH');
    await screenshot(page, 'templates-04-test-sent');

    // The log says which template version and locale made the message.
    await watch.getByRole('link', { name: 'Open in the log' }).click();
    await page.getByTestId('message-template').waitFor();
    expect(await page.getByTestId('message-template').textContent()).toBe('password_reset version 2, locale de');
    await page.frameLocator('iframe[title="HTML part"]').getByText('Passwort zurücksetzen').first().waitFor();
    await screenshot(page, 'templates-05-message-template');
    expect(s.errors).toEqual([]);
  });

  it('the editor and the layout work at phone width', async () => {
    const { page, errors } = await newPage(s.browser, s.live.baseUrl, PHONE);
    // The session cookie is per browser context: sign in on this one too.
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto('/templates/alert');
    await page.getByRole('tab', { name: 'de' }).click();
    await expect.poll(() => page.getByTestId('preview-subject').textContent()).toBe('[CRIT] Disk usage /var auf db-01.example.net');
    await page.frameLocator('iframe[title="Preview of the HTML part"]').getByText('Kritisch').waitFor();
    await screenshot(page, 'templates-06-phone-alert-de');
    await previewShot(page, 'templates-06b-phone-alert-de-preview');
    await page.goto('/templates/layouts/default');
    await page.frameLocator('iframe[title="Preview of the HTML part"]').getByText('It works').waitFor();
    await screenshot(page, 'templates-07-phone-layout');
    await previewShot(page, 'templates-07b-phone-layout-preview');
    expect(errors).toEqual([]);
  });
});
