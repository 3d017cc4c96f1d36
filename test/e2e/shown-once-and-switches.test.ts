import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { chromiumAvailable, openAdminSession, SCREENSHOTS, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * What an admin could still lose without a word, after the unsaved-work guard
 * (unsaved-work-guards.test.ts):
 *
 * - A value shown only once (a new API key, a new endpoint's signing secret and a rotated one, a
 *   new or rotated SMTP password): leaving the page, or making the next one that takes its card,
 *   asks while it is on screen and not copied; Copy or Done ends the question.
 * - Switches on one page that replaced an open form with typed work: Edit on another SMTP
 *   credential, Rotate on another secret, Reset password of another user ask first; Switch
 *   off/on and Rotate on a webhook keep the typed settings.
 * - The account form says each refusal once, at its field; its banner only what has no field.
 *
 * Chromium against a real Mailroom on 127.0.0.1. Screenshots: once-*.png.
 */
const run = chromiumAvailable();

const path_ = (page: Page) => new URL(page.url()).pathname;
const menu = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
/** The app's question before work is lost (not a button's own "Yes, …?"). */
const question = (page: Page) => page.locator('dialog.leave-dialog');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

/** Opens the question with `act`, checks its title and words, answers `answer`; returns the words. */
async function asks(page: Page, act: () => Promise<unknown>, title: string, words: string, answer: string, screenshot?: string): Promise<string> {
  await act();
  const q = question(page);
  await q.waitFor();
  expect(await q.getByRole('heading').innerText()).toBe(title);
  const text = await q.innerText();
  expect(text).toContain(words);
  if (screenshot) await shot(page, screenshot);
  await q.getByRole('button', { name: answer, exact: true }).click();
  await q.waitFor({ state: 'detached' });
  return text;
}

/** A menu link leaves at once, without a question. */
async function leavesAtOnce(page: Page): Promise<void> {
  await menu(page, 'Email log').click();
  await page.waitForURL('**/messages');
  expect(await question(page).count()).toBe(0);
}

// Screenshots are taken only where docs/ui.md names them: each full-page one renders and encodes
// the whole page (0.1 to 0.4 s), and the others were named nowhere.
describe.runIf(run)('Shown-once secrets and same-page switches, in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let serverId: string;
  const api = async <T = { id: string }>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object): Promise<T> => {
    const res = await s.live.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as T;
  };

  beforeAll(async () => {
    sink = await startSink();
    // Webhook endpoints on this machine (nothing is delivered); the relay on, for its settings snippets.
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1', MAILROOM_RELAY_PORT: String(await freePort()), MAILROOM_RELAY_TLS_PORT: String(await freePort()) } });
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    serverId = (await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).id;
    await api('POST', '/accounts', { serverId, address: 'app@example.com' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('a new API key not copied: leaving asks, the next key asks before it replaces it; Copy ends the question', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    await page.locator('#key-name').fill('CI');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    const key = await shown.locator('code.secret').innerText();

    await asks(page, () => menu(page, 'Email log').click(), 'Leave without copying it?', 'The key “CI” is shown only this once: leave without copying it?', 'Stay and copy it', 'once-01-api-key-leave');
    expect(path_(page)).toBe('/api-keys');
    expect(await shown.locator('code.secret').innerText()).toBe(key);

    // A second key would take its card: asked before it is made, and staying makes none.
    await page.locator('#key-name').fill('CI 2');
    await asks(page, () => page.getByRole('button', { name: 'Create key' }).click(), 'Replace it without copying it?', 'The key “CI” is shown only this once', 'Stay and copy it', 'once-02-api-key-replace');
    expect(await shown.locator('code.secret').innerText()).toBe(key);
    expect((await api<{ items: { name: string }[] }>('GET', '/api-keys')).items.map((k) => k.name)).not.toContain('CI 2');

    await shown.getByRole('button', { name: 'Copy it' }).click();
    await shown.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    // Copied: the next key replaces it without a question, and that one's Done ends its own.
    await page.getByRole('button', { name: 'Create key' }).click();
    await shown.getByRole('heading', { name: 'New key “CI 2”' }).waitFor();
    expect(await question(page).count()).toBe(0);
    await shown.getByRole('button', { name: 'Done' }).click();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('webhook secrets: the new endpoint’s and a rotated one ask before they are lost uncopied', async () => {
    const { page } = s;
    await page.goto('/webhooks');
    await page.locator('#wh-new-url').fill('http://127.0.0.1:9/hooks/a');
    await page.locator('#wh-new-desc').fill('Billing');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const shown = page.getByTestId('new-webhook-secret');
    await shown.waitFor();
    const first = await shown.locator('code.secret').innerText();
    await asks(page, () => menu(page, 'Email log').click(), 'Leave without copying it?', 'The signing secret of “Billing” is shown only this once', 'Stay and copy it');
    expect(path_(page)).toBe('/webhooks');

    // The next endpoint's secret takes its card: asked first; agreeing makes it and shows the new secret.
    await page.locator('#wh-new-url').fill('http://127.0.0.1:9/hooks/b');
    await page.locator('#wh-new-desc').fill('Shop');
    await asks(page, () => page.getByRole('button', { name: 'Create endpoint' }).click(), 'Replace it without copying it?', 'The signing secret of “Billing” is shown only this once', 'Replace without copying', 'once-03-webhook-replace');
    await expect.poll(() => shown.locator('code.secret').innerText()).not.toBe(first);
    expect((await api<{ items: unknown[] }>('GET', '/webhooks')).items).toHaveLength(2);

    // Selected and copied by hand (Ctrl+C) counts as copied too.
    await shown.locator('code.secret').selectText();
    await page.keyboard.press('Control+C');
    await leavesAtOnce(page);

    // A rotated secret on the endpoint's page: Back asks, a second rotation asks, Done ends it.
    const endpoint = (await api<{ items: { id: string; description: string }[] }>('GET', '/webhooks')).items.find((e) => e.description === 'Billing')!;
    // Opened from the list in the app, so Back is the app's to ask about.
    await page.goto('/webhooks');
    await page.getByRole('link', { name: 'Billing', exact: true }).click();
    await page.waitForURL(`**/webhooks/${endpoint.id}`);
    const rotateOnce = async () => {
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('button', { name: /^Yes, rotate/ }).click();
    };
    await rotateOnce();
    const rotated = page.getByTestId('rotated-webhook-secret');
    await rotated.waitFor();
    const secret = await rotated.locator('code.secret').innerText();
    await asks(page, () => page.goBack(), 'Leave without copying it?', 'The new signing secret is shown only this once', 'Stay and copy it');
    expect(path_(page)).toBe(`/webhooks/${endpoint.id}`);
    await asks(page, rotateOnce, 'Replace it without copying it?', 'The new signing secret is shown only this once', 'Stay and copy it');
    expect(await rotated.locator('code.secret').innerText()).toBe(secret);
    await rotated.getByRole('button', { name: 'Done' }).click();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('SMTP passwords: a new credential’s and a rotated one ask until copied, the settings snippet copies it', async () => {
    const { page } = s;
    await page.goto('/smtp-relay');
    const create = async (name: string) => {
      await page.locator('#cred-new-name').fill(name);
      await page.locator('#cred-new-from').fill('app@example.com');
      await page.getByRole('button', { name: 'Create credential' }).click();
    };
    await create('Shop');
    const shown = page.getByTestId('new-smtp-credential');
    await shown.getByText('Copy the password now').waitFor();
    await asks(page, () => menu(page, 'Email log').click(), 'Leave without copying it?', 'The password of “Shop” is shown only this once', 'Stay and copy it');

    // Another credential's password would take its card: asked before the credential is made.
    await asks(page, () => create('Billing'), 'Replace it without copying it?', 'The password of “Shop” is shown only this once', 'Stay and copy it');
    expect((await api<{ items: { name: string }[] }>('GET', '/smtp-credentials')).items.map((c) => c.name)).toEqual(['Shop']);
    // The framework settings hold the password: copying them is copying it.
    await shown.getByRole('button', { name: 'Copy the Django settings' }).click();
    await create('Billing');
    await shown.getByRole('heading', { name: 'SMTP login for “Billing”' }).waitFor();
    expect(await question(page).count()).toBe(0);

    // Rotating Shop's password while Billing's is not copied: asked after "New password for …?".
    const row = (name: string) => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
    await asks(
      page,
      async () => {
        await row('Shop').getByRole('button', { name: 'Rotate password' }).click();
        await page.getByRole('button', { name: /^Yes, rotate/ }).click();
      },
      'Replace it without copying it?',
      'The password of “Billing” is shown only this once',
      'Stay and copy it',
    );
    await shown.getByRole('button', { name: 'Copy the password' }).click();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('SMTP relay: Edit on another credential asks about the typed changes of the open one, and only those', async () => {
    const { page } = s;
    // Its own credentials, whatever the test before made.
    for (const name of ['Desk', 'Forms']) await api('POST', '/smtp-credentials', { name, authentication: 'password', allowedFrom: ['app@example.com'] });
    await page.goto('/smtp-relay');
    const row = (name: string) => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
    // Edit on Desk, a name typed, then Edit on Forms: asked, since that form takes its place.
    await row('Desk').getByRole('button', { name: 'Edit' }).click();
    const name = page.locator('input[id^="cred-"][id$="-name"]:not(#cred-new-name)');
    await name.fill('Desk (EU)');
    await asks(page, () => row('Forms').getByRole('button', { name: 'Edit' }).click(), 'Discard your changes?', 'Your changes to the credential Desk are not saved.', 'Keep editing', 'once-06-smtp-edit-switch');
    expect(await name.inputValue()).toBe('Desk (EU)');
    expect(await page.getByRole('heading', { name: 'Edit “Desk”' }).count()).toBe(1);
    // The new-credential form's typed work is not this switch's: nothing asked about it.
    await page.locator('#cred-new-name').fill('Typed below');
    await asks(page, () => row('Forms').getByRole('button', { name: 'Edit' }).click(), 'Discard your changes?', 'Your changes to the credential Desk are not saved.', 'Discard changes');
    await page.getByRole('heading', { name: 'Edit “Forms”' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Edit “Desk”' }).count()).toBe(0);
    // Nothing typed in Forms's: Edit on Desk opens at once.
    await row('Desk').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit “Desk”' }).waitFor();
    expect(await question(page).count()).toBe(0);
    expect(await page.locator('#cred-new-name').inputValue()).toBe('Typed below');
    expect(s.errors).toEqual([]);
  });

  it('Secrets: Rotate on another secret asks before its form replaces the typed one', async () => {
    const { page } = s;
    await api('PUT', '/secrets/smtp-a', { value: 'one' });
    await api('PUT', '/secrets/smtp-b', { value: 'two' });
    await page.goto('/secrets');
    const secretRow = (name: string) => page.getByRole('row').filter({ has: page.getByText(`internal:${name}`, { exact: true }) });
    // Typed into the new-secret form, then Rotate: the form would become smtp-a's.
    await page.locator('#sec-name').fill('smtp-c');
    await page.locator('#sec-value').fill('typed');
    await asks(page, () => secretRow('smtp-a').getByRole('button', { name: 'Rotate' }).click(), 'Discard your changes?', 'Your changes to the new secret are not saved.', 'Keep editing');
    expect(await page.locator('#sec-name').inputValue()).toBe('smtp-c');
    await asks(page, () => secretRow('smtp-a').getByRole('button', { name: 'Rotate' }).click(), 'Discard your changes?', 'the new secret', 'Discard changes');
    await page.getByRole('heading', { name: 'Rotate smtp-a' }).waitFor();
    await page.locator('#sec-value').fill('new value for a');
    await asks(page, () => secretRow('smtp-b').getByRole('button', { name: 'Rotate' }).click(), 'Discard your changes?', 'Your changes to the new value of smtp-a are not saved.', 'Keep editing', 'once-07-secret-rotate-switch');
    expect(await page.locator('#sec-value').inputValue()).toBe('new value for a');
    expect(await page.locator('#sec-name').inputValue()).toBe('smtp-a');
    // Rotate on the secret already open keeps its form: nothing to ask.
    await secretRow('smtp-a').getByRole('button', { name: 'Rotate' }).click();
    expect(await question(page).count()).toBe(0);
    expect(await page.locator('#sec-value').inputValue()).toBe('new value for a');
    expect(s.errors).toEqual([]);
  });

  it('Users: Reset password of another user asks while a password is typed for the open one', async () => {
    const { page } = s;
    await api('POST', '/users', { email: 'ann@example.com', role: 'viewer', password: 'initial-pass-1' });
    await api('POST', '/users', { email: 'bob@example.com', role: 'viewer', password: 'initial-pass-2' });
    await page.goto('/users');
    await page.getByRole('button', { name: 'Reset password of ann@example.com' }).click();
    await page.getByLabel('New password for ann@example.com').fill('for ann only');
    await asks(page, () => page.getByRole('button', { name: 'Reset password of bob@example.com' }).click(), 'Discard your changes?', 'Your changes to the new password of ann@example.com are not saved.', 'Keep editing', 'once-08-user-reset-switch');
    expect(await page.getByLabel('New password for ann@example.com').inputValue()).toBe('for ann only');
    expect(await page.getByLabel('New password for bob@example.com').count()).toBe(0);
    // Closing it with its own button again asks too; Discard closes it.
    await asks(page, () => page.getByRole('button', { name: 'Reset password of ann@example.com' }).click(), 'Discard your changes?', 'ann@example.com', 'Discard changes');
    expect(await page.getByLabel('New password for ann@example.com').count()).toBe(0);
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('webhook settings: typed work stays through Switch off, Switch on and Rotate, and saves', async () => {
    const { page } = s;
    const endpoint = await api<{ id: string }>('POST', '/webhooks', { url: 'http://127.0.0.1:9/hooks/c', description: 'Reports', events: ['message.failed'] });
    await page.goto(`/webhooks/${endpoint.id}`);
    const desc = page.locator(`#wh-${endpoint.id}-desc`);
    await desc.fill('Reports (typed)');
    await page.getByRole('button', { name: 'Switch off' }).click();
    await page.getByRole('region', { name: 'Actions' }).getByText('Switched off.').waitFor();
    await page.getByRole('button', { name: 'Switch on' }).waitFor();
    expect(await desc.inputValue()).toBe('Reports (typed)');
    await page.getByRole('button', { name: 'Switch on' }).click();
    await page.getByRole('button', { name: 'Switch off' }).waitFor();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: /^Yes, rotate/ }).click();
    await page.getByTestId('rotated-webhook-secret').waitFor();
    await page.getByTestId('rotated-webhook-secret').getByRole('button', { name: 'Done' }).click();
    expect(await desc.inputValue()).toBe('Reports (typed)');
    await shot(page, 'once-09-webhook-settings-kept');
    // Saved with the version the actions made: no conflict.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect((await api<{ description: string }>('GET', `/webhooks/${endpoint.id}`)).description).toBe('Reports (typed)');
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('account form: a refusal at its field is said there only; one without a field in the banner', async () => {
    const { page } = s;
    const accountId = (await api('POST', '/accounts', { serverId, address: 'refusals@example.com' })).id;
    await page.goto(`/accounts/${accountId}`);
    const form = page.getByRole('form', { name: 'Edit account refusals@example.com' });
    const banner = form.locator('.alert-error');
    const save = form.getByRole('button', { name: 'Save changes' });

    const alias = page.getByLabel('Aliases (other From addresses)');
    await alias.fill('not an address');
    await alias.press('Enter');
    await save.click();
    await page.getByTestId('aliases').locator('.field-error').waitFor();
    expect(await banner.count()).toBe(0);
    await shot(page, 'once-10-account-alias-once');
    await page.getByRole('button', { name: 'Remove alias not an address' }).click();

    await page.getByLabel('Per minute').fill('0');
    await save.click();
    await page.getByTestId('rate-limits').locator('.field-error').waitFor();
    expect(await banner.count()).toBe(0);
    await page.getByLabel('Per minute').fill('');

    // The folder to move to is also read: said at that field, in the (folded) section opened for it.
    const inbound = page.getByTestId('inbound');
    await inbound.locator('summary').click();
    await page.getByLabel('After storing a message').selectOption('move');
    await page.getByLabel('Move to folder').fill('INBOX');
    await inbound.locator('summary').click();
    expect(await inbound.getAttribute('open')).toBeNull();
    await save.click();
    await inbound.locator('.field-error').waitFor();
    expect(await inbound.getAttribute('open')).not.toBeNull();
    expect(await banner.count()).toBe(0);
    await page.getByLabel('After storing a message').selectOption('none');

    // A password for a server without encryption: said at the Password field, in the form's words.
    await form.getByPlaceholder('Not set').fill('secret-password');
    await save.click();
    const passwordError = form.locator(`#acc-${accountId}-password-error`);
    await passwordError.waitFor();
    expect(await passwordError.innerText()).toContain('No encryption');
    expect(await banner.count()).toBe(0);
    await form.getByPlaceholder('Not set').fill('');

    // Changed meanwhile by someone else: no field to say it at, so the banner says it.
    const stored = await api<{ version: number }>('GET', `/accounts/${accountId}`);
    await api('PATCH', `/accounts/${accountId}`, { version: stored.version, fromName: 'Changed meanwhile' });
    await form.getByLabel('Display name').fill('Mine');
    await save.click();
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/changed|version/i);
    expect(await form.locator('.field-error').count()).toBe(0);
    await shot(page, 'once-11-account-banner-without-field');
    expect(s.errors).toEqual([]);
  });
});
