import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * An unknown `{placeholder}` in the contact auto-reply or report mail is refused at save, at the
 * field that holds it, naming it and the known ones; the text typed stays to be corrected, and
 * the refusal goes once it is.
 */
const run = chromiumAvailable();

describe.runIf(run)('Built-in mail placeholders in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => s?.close());

  const settingsOf = async (key: 'contactAutoReply' | 'reports') => (await s.live.t.request({ method: 'GET', url: '/api/v1/settings' })).json()[key].value;

  it('contact auto-reply: an unknown placeholder in the subject is refused at Subject', async () => {
    const { page } = s;
    await page.goto('/contact-auto-reply');
    const subject = page.getByLabel('Subject', { exact: true });
    await subject.fill('Thanks, {nmae}');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#car-subject-err');
    await expect.poll(() => error.innerText().catch(() => '')).toContain('{nmae}');
    expect(await error.innerText()).toContain('{name}, {subject}');
    expect(await subject.getAttribute('aria-invalid')).toBe('true');
    expect(await subject.inputValue()).toBe('Thanks, {nmae}');
    expect((await settingsOf('contactAutoReply')).subject).not.toContain('{nmae}');
    await screenshot(page, 'contact-auto-reply-unknown-placeholder');
    await subject.fill('Thanks, {name}');
    await expect.poll(() => error.count()).toBe(0);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
  });

  it('reports: an unknown placeholder in the body is refused at Body', async () => {
    const { page } = s;
    await page.goto('/reports');
    const body = page.getByLabel('Body', { exact: true });
    await body.fill('Your report {name} for {month}: {url}');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('[id$="-body-err"]');
    await expect.poll(() => error.innerText().catch(() => '')).toContain('{month}');
    expect(await error.innerText()).toContain('{name}, {period}, {url}');
    expect((await settingsOf('reports')).body).not.toContain('{month}');
    expect(s.errors).toEqual([]);
  });
});
