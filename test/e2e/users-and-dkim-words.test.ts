import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, signedInPageAt, type AdminSession } from './harness.js';

/**
 * Users and a domain's DKIM key, as a tester found them:
 * - Add a user: a refusal at a field (the email already taken) goes as soon as the form is edited;
 *   a name too long is said at the Name field, tied to it, without the API's field path.
 * - Reset password of a user deleted in another tab names them by email, in words, and the list
 *   is reloaded (their row goes), as a stale role change does.
 * - A 63-character selector (valid) wraps in the DKIM card and in the DNS check's hint: no page
 *   wider than the window at 390 and 1280 px.
 * - The DKIM card sends the version of the key it shows: a stale tab's Rotate key after the key
 *   was deleted elsewhere (or Create key after one was created elsewhere) is refused and said as a
 *   version conflict naming "the DKIM key for <domain>"; nothing changes, and *Load the saved
 *   version* shows the key as stored.
 */
describe.runIf(chromiumAvailable())('users and DKIM words, in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    await api('POST', '/users', { email: 'viewer@example.com', role: 'viewer', password: 'initial-password-1' });
  }, 120_000);
  afterAll(async () => s?.close());

  it('Add a user: the email refusal goes once the email is edited; a name too long is said at the Name field', async () => {
    const { page } = s;
    await page.goto('/users');
    const form = page.getByRole('form', { name: 'Add a user' });
    const email = form.getByLabel('Email', { exact: true });
    await email.fill('viewer@example.com');
    await form.getByLabel('Initial password').fill('a-valid-password-1');
    await form.getByRole('button', { name: 'Add user' }).click();
    const emailError = form.locator('#user-email-error');
    await emailError.getByText('already exists').waitFor();
    await screenshot(page, 'users-words-01-email-taken');
    await email.fill('viewer2@example.com');
    await expect.poll(() => emailError.count()).toBe(0);
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    expect(await form.getByText('already exists').count()).toBe(0);
    await screenshot(page, 'users-words-02-email-edited');

    // A name the API refuses as too long: at the Name field, tied to it, without "name:".
    const name = form.getByLabel('Name', { exact: true });
    await email.fill('long-name@example.com');
    await name.fill('n'.repeat(305));
    await form.getByRole('button', { name: 'Add user' }).click();
    const nameError = form.locator('#user-name-error');
    await nameError.getByText('must be at most 200 characters').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toContain('user-name-error');
    expect(await form.innerText()).not.toMatch(/name:\s*must/);
    expect(await form.getByText('Not created').count()).toBe(0);
    await screenshot(page, 'users-words-03-name-too-long');
    // Said once, and gone with the next edit of the name.
    expect(await form.getByText('must be at most 200 characters').count()).toBe(1);
    await name.fill('n'.repeat(20));
    await expect.poll(() => nameError.count()).toBe(0);
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('long-name@example.com was added as viewer').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('Reset password of a user deleted in another tab: named by email, and the list drops their row', async () => {
    const { page } = s;
    const u = await api('POST', '/users', { email: 'temp2@example.com', role: 'viewer', password: 'initial-password-1' });
    await page.goto('/users');
    const row = page.locator('tr', { hasText: 'temp2@example.com' });
    await row.getByRole('button', { name: 'Reset password of temp2@example.com' }).click();
    const form = page.getByRole('form', { name: 'Reset the password of temp2@example.com' });
    await form.getByLabel('New password for temp2@example.com').fill('another-password-2');
    const res = await s.live.t.request({ method: 'DELETE', url: `/api/v1/users/${u.id}` });
    expect(res.statusCode, res.body).toBe(204);
    await form.getByRole('button', { name: 'Set password' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'temp2@example.com was deleted' });
    await alert.waitFor();
    const said = await alert.innerText();
    expect(said).toContain('Password not changed');
    expect(said).not.toContain(u.id);
    expect(said).not.toContain('does not exist');
    await expect.poll(() => row.count()).toBe(0);
    expect(await form.count()).toBe(0);
    await screenshot(page, 'users-words-04-reset-deleted-user');
    expect(s.errors).toEqual([]);
  });

  it('a 63-character selector wraps in the DKIM card and in the DNS check hint, at 390 and 1280 px', async () => {
    await api('PUT', '/dkim/example.com', { selector: 'a'.repeat(63), keyBits: 1024 });
    for (const width of [390, 1280]) {
      const { page, context } = await signedInPageAt(s, { width, height: 900 });
      await page.goto('/domains?domain=example.com');
      const card = page.getByTestId('dkim-card');
      await card.getByText('a'.repeat(63)).first().waitFor();
      await page.getByTestId('domain-check').getByText(`Empty: Mailroom's key`).waitFor();
      await screenshot(page, `users-words-05-dkim-long-selector-${width}`);
      const sizes = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
      expect(sizes.scroll, `page width at ${width} px`).toBeLessThanOrEqual(sizes.window);
      await context.close();
    }
    await api('DELETE', '/dkim/example.com').catch(() => undefined);
  });

  it('DKIM card in a stale tab: Rotate key after the key was deleted elsewhere is a version conflict, and nothing is created', async () => {
    await s.live.t.request({ method: 'DELETE', url: '/api/v1/dkim/example.org' });
    await api('PUT', '/dkim/example.org', { selector: 'mr1', keyBits: 1024 });
    const a = await signedInPageAt(s, { width: 1280, height: 900 });
    const b = await signedInPageAt(s, { width: 1280, height: 900 });
    for (const p of [a.page, b.page]) {
      await p.goto('/domains?domain=example.org');
      await p.getByTestId('dkim-card').getByRole('button', { name: 'Rotate key' }).waitFor();
    }
    // Tab A deletes the key.
    const cardA = a.page.getByTestId('dkim-card');
    await cardA.getByRole('button', { name: 'Delete key' }).click();
    await cardA.getByRole('button', { name: 'Yes, delete key' }).click();
    await cardA.getByText('Key deleted.').waitFor();
    expect((await s.live.t.request({ method: 'GET', url: '/api/v1/dkim/example.org' })).statusCode).toBe(404);

    // Tab B still shows it and rotates it.
    const cardB = b.page.getByTestId('dkim-card');
    await cardB.getByRole('button', { name: 'Rotate key' }).click();
    const conflict = cardB.getByTestId('version-conflict');
    await conflict.waitFor();
    expect(await conflict.innerText()).toContain('someone else changed the DKIM key for example.org');
    expect(await cardB.getByText('Key rotated').count()).toBe(0);
    expect(await cardB.getByText('Key not saved').count()).toBe(0);
    await screenshot(b.page, 'users-words-06-dkim-rotate-stale');
    expect((await s.live.t.request({ method: 'GET', url: '/api/v1/dkim/example.org' })).statusCode).toBe(404);

    // Load the saved version: the card shows no key, offers Create key.
    await conflict.getByRole('button', { name: 'Load the saved version' }).click();
    await cardB.getByTestId('version-loaded').waitFor();
    await cardB.getByText('No key yet').waitFor();
    await cardB.getByRole('button', { name: 'Create key' }).waitFor();
    await screenshot(b.page, 'users-words-07-dkim-loaded');

    // Tab A creates a key again; B, showing none, presses Create key: refused too, A's key stays.
    await cardA.getByRole('button', { name: 'Create key' }).click();
    await cardA.getByText('Key created.').waitFor();
    const created = (await s.live.t.request({ method: 'GET', url: '/api/v1/dkim/example.org' })).json() as { publicKey: string; version: number };
    await cardB.getByRole('button', { name: 'Create key' }).click();
    await cardB.getByTestId('version-conflict').waitFor();
    const after = (await s.live.t.request({ method: 'GET', url: '/api/v1/dkim/example.org' })).json() as { publicKey: string; version: number };
    expect(after.publicKey).toBe(created.publicKey);
    expect(after.version).toBe(created.version);
    await cardB.getByTestId('version-conflict').getByRole('button', { name: 'Load the saved version' }).click();
    await cardB.getByRole('button', { name: 'Rotate key' }).waitFor();
    // With the key it shows now, Rotate key rotates it.
    await cardB.getByRole('button', { name: 'Rotate key' }).click();
    await cardB.getByText('Key rotated').waitFor();
    const rotated = (await s.live.t.request({ method: 'GET', url: '/api/v1/dkim/example.org' })).json() as { publicKey: string; version: number };
    expect(rotated.version).toBe(created.version + 1);
    expect([...a.errors, ...b.errors, ...s.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});
