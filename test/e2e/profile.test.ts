import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, ensureWebBuilt, launchBrowser, login, newPage, screenshot, startMailroom, type Live } from './harness.js';

/**
 * The first admin of a fresh start (generated password, printed once) is asked to choose their
 * own, changes password and email on the profile page, logs out and in again with the new ones.
 */
describe.runIf(chromiumAvailable())('profile: the first admin changes their password and email', { timeout: 90_000 }, () => {
  let live: Live;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let generated = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    live = await startMailroom('sqlite', { env: { MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '' } });
    generated = live.t.app.firstAdmin!.generatedPassword!;
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser, live.baseUrl));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('prompts, changes, and signs in again with the new email and password', async () => {
    await login(page, 'admin@mailroom.local', generated);
    await page.getByText('Choose your own password.').waitFor();
    await screenshot(page, 'profile-prompt');
    await page.getByRole('link', { name: 'Change it now →' }).click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    // A wrong current password is shown at its field and changes nothing.
    await page.getByLabel('New password', { exact: true }).fill('ops-chose-this-1');
    await page.getByLabel('New password, again').fill('ops-chose-this-1');
    await page.getByLabel('Current password').fill('not-the-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#profile-current-error').getByText('is not your current password').waitFor();
    // Now for real, with a new email too.
    await page.getByLabel('Email (your login)').fill('ops@example.com');
    await page.getByLabel('Current password').fill(generated);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. Your new password is in use').waitFor();
    expect(await page.getByText('Choose your own password.').count()).toBe(0);
    expect(await page.locator('.whoami-name').textContent()).toBe('ops@example.com');
    await screenshot(page, 'profile-saved');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // The old password is refused; the new email and password work.
    await page.getByLabel('Email', { exact: true }).fill('admin@mailroom.local');
    await page.getByLabel('Password', { exact: true }).fill(generated);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/email or password is wrong/).waitFor();
    await login(page, 'ops@example.com', 'ops-chose-this-1');
    expect(await page.locator('.whoami-name').textContent()).toBe('ops@example.com');
    expect(await page.getByText('Choose your own password.').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
