import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * Every edit form that sends the version it opened says a save refused because someone else saved
 * meanwhile in its own words, naming the thing by its name (never the API's "was changed by
 * someone else (version 2, you sent 1)"), and *Load the saved version* shows what is stored:
 * rules, templates, layouts, purposes, webhook endpoints, internal secrets and a user's password
 * reset. Each test opens the form, changes the thing through the API, types and saves in the page.
 * What the page shows around the form (the template's header, the endpoint's facts, the secret's
 * row) shows the loaded version too, not the one the form was opened on.
 * A user's role or Disable on the Users list (no form) is said in words too, the list showing the
 * user as stored.
 */
describe.runIf(chromiumAvailable())('version conflicts in every edit form', { timeout: 180_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    // The webhook endpoint's receiver is on loopback (never called: the test only edits it).
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  /** The conflict said by name, not in the API's words; then loaded (asked first: something was typed). */
  const conflictSaid = async (page: Page, scope: Locator, words: string, shot: string) => {
    const box = scope.getByTestId('version-conflict');
    await box.waitFor();
    const said = (await box.textContent()) ?? '';
    expect(said).toContain(`Not saved: someone else changed ${words} after you opened it.`);
    expect(said).not.toMatch(/version \d|you sent/);
    expect(await page.getByText('was changed by someone else').count()).toBe(0);
    await screenshot(page, `${shot}-conflict`);
    await box.getByRole('button', { name: 'Load the saved version' }).click();
    await page.getByRole('button', { name: 'Yes, load the saved version' }).click();
    await scope.getByTestId('version-loaded').waitFor();
    await screenshot(page, `${shot}-loaded`);
  };

  it('a notification rule', async () => {
    const { page } = s;
    const rule = await api('POST', '/rules', { name: 'Conflict rule', events: ['access.request.*'], recipients: { addresses: ['audit@example.com'] }, template: 'access_request' });
    await page.goto(`/rules/${rule.id}`);
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await api('PATCH', `/rules/${rule.id}`, { name: 'Rule renamed elsewhere', version: rule.version });
    await name.fill('My rule');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await conflictSaid(page, page.locator('body'), 'the rule “Conflict rule”', 'conflicts-rule');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Rule renamed elsewhere');
    // The change made again on the saved version is saved.
    await page.getByLabel('Name', { exact: true }).fill('My rule');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(async () => (await api('GET', `/rules/${rule.id}`)).name).toBe('My rule');
    expect(s.errors).toEqual([]);
  });

  it('a template', async () => {
    const { page } = s;
    const body = { name: 'Conflict template', sampleData: {}, locales: { en: { subject: 'Hello', html: '<p>Hello</p>', text: null } } };
    const t = await api('PUT', '/templates/conflict_tpl', body);
    await page.goto('/templates/conflict_tpl');
    const name = page.locator('#tpl-name');
    await name.waitFor();
    await api('PUT', '/templates/conflict_tpl', { ...body, name: 'Template renamed elsewhere', version: t.version });
    await name.fill('My template');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await conflictSaid(page, page.locator('body'), 'the template “Conflict template”', 'conflicts-template');
    expect(await page.locator('#tpl-name').inputValue()).toBe('Template renamed elsewhere');
    // The header says the version loaded, and the form stays as loaded (its note with it).
    const stored = await api('GET', '/templates/conflict_tpl');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Template renamed elsewhere');
    expect(await page.locator('.page-header').textContent()).toContain(`version ${stored.version}`);
    expect(await page.getByTestId('version-loaded').isVisible()).toBe(true);
    // The change made again on the saved version is saved.
    await page.locator('#tpl-name').fill('My template');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('My template');
    expect((await api('GET', '/templates/conflict_tpl')).name).toBe('My template');
    expect(s.errors).toEqual([]);
  });

  it('a layout', async () => {
    const { page } = s;
    const body = { name: 'Conflict layout', html: '<div>{{ content }}</div>', text: null };
    const l = await api('PUT', '/layouts/conflict_layout', body);
    await page.goto('/templates/layouts/conflict_layout');
    const name = page.locator('#layout-name');
    await name.waitFor();
    await api('PUT', '/layouts/conflict_layout', { ...body, name: 'Layout renamed elsewhere', version: l.version });
    await name.fill('My layout');
    await page.getByRole('button', { name: 'Save layout' }).click();
    await conflictSaid(page, page.locator('body'), 'the layout “Conflict layout”', 'conflicts-layout');
    expect(await page.locator('#layout-name').inputValue()).toBe('Layout renamed elsewhere');
    expect(s.errors).toEqual([]);
  });

  it('a purpose', async () => {
    const { page } = s;
    const alert = await api('GET', '/purposes/alert');
    await page.goto('/routing');
    const card = page.locator('[data-purpose="alert"]');
    const priority = card.getByLabel('Priority (0–100)');
    await priority.waitFor();
    await api('PATCH', '/purposes/alert', { priority: 77, version: alert.version });
    await priority.fill('55');
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await conflictSaid(page, card, 'the purpose “alert”', 'conflicts-purpose');
    expect(await card.getByLabel('Priority (0–100)').inputValue()).toBe('77');
    expect(s.errors).toEqual([]);
  });

  it('a webhook endpoint', async () => {
    const { page } = s;
    const e = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/conflict', description: 'Conflict hook', events: ['message.sent'] });
    await page.goto(`/webhooks/${e.id}`);
    const form = page.getByRole('form', { name: 'Settings' });
    const description = form.getByLabel('Description');
    await description.waitFor();
    await api('PATCH', `/webhooks/${e.id}`, { url: 'http://127.0.0.1:9/elsewhere', description: 'Hook renamed elsewhere', version: e.version });
    await description.fill('My hook');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await conflictSaid(page, form, 'the endpoint “Conflict hook”', 'conflicts-webhook');
    expect(await form.getByLabel('Description').inputValue()).toBe('Hook renamed elsewhere');
    // The header and the facts card say what is stored; the form stays as loaded (its note with it).
    const facts = page.locator('section[aria-labelledby="wh-h"]');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Hook renamed elsewhere');
    await expect.poll(() => facts.locator('code').first().textContent()).toBe('http://127.0.0.1:9/elsewhere');
    expect(await form.getByTestId('version-loaded').isVisible()).toBe(true);
    // Switch off makes a new version beside the loaded form: the change made again sends that one.
    await page.getByRole('button', { name: 'Switch off' }).click();
    await page.getByText('Switched off.', { exact: true }).waitFor();
    await form.getByLabel('Description').fill('My hook');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByText('Saved.', { exact: true }).waitFor();
    expect(await form.getByTestId('version-conflict').count()).toBe(0);
    expect((await api('GET', `/webhooks/${e.id}`)).description).toBe('My hook');
    expect(s.errors).toEqual([]);
  });

  it('an internal secret’s rotation', async () => {
    const { page } = s;
    const secret = await api('PUT', '/secrets/conflict-key', { value: 'first-value', description: 'Conflict key' });
    await page.goto('/secrets');
    await page.locator('tr', { hasText: 'conflict-key' }).getByRole('button', { name: 'Rotate' }).click();
    const form = page.getByRole('form', { name: 'Rotate secret conflict-key' });
    await form.getByLabel('New value').waitFor();
    await api('PUT', '/secrets/conflict-key', { value: 'second-value', description: 'Set elsewhere', version: secret.version });
    await form.getByLabel('New value').fill('third-value');
    await form.getByRole('button', { name: 'Rotate', exact: true }).click();
    await conflictSaid(page, form, 'the secret “conflict-key”', 'conflicts-secret');
    expect(await form.getByLabel('Description').inputValue()).toBe('Set elsewhere');
    expect(await form.getByLabel('New value').inputValue()).toBe('');
    // The list's row says what is stored too; the form stays as loaded (its note with it).
    await expect.poll(() => page.locator('tr', { hasText: 'conflict-key' }).textContent()).toContain('Set elsewhere');
    expect(await form.getByTestId('version-loaded').isVisible()).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('a user: a password reset, and a role change on the list', async () => {
    const { page } = s;
    const u = await api('POST', '/users', { email: 'conflict-user@example.com', role: 'viewer', password: 'initial-password-1' });
    await page.goto('/users');
    const row = page.locator('tr', { hasText: 'conflict-user@example.com' });
    const role = page.getByLabel('Role of conflict-user@example.com');
    await role.waitFor();
    await api('PATCH', `/users/${u.id}`, { role: 'operator', version: u.version });
    await role.selectOption('admin');
    await page.getByText('Not changed: someone else changed the user conflict-user@example.com after the list was loaded. The list now shows them as saved: make your change again.').waitFor();
    expect(await page.getByText('was changed by someone else').count()).toBe(0);
    await expect.poll(() => role.inputValue()).toBe('operator');
    await screenshot(page, 'conflicts-user-role');

    const now = (await api('GET', '/users')).items as unknown as { id: string; version: number }[];
    const version = now.find((x) => x.id === u.id)!.version;
    await row.getByRole('button', { name: /Reset password/ }).click();
    const form = page.getByRole('form', { name: 'Reset the password of conflict-user@example.com' });
    await form.getByLabel('New password for conflict-user@example.com').waitFor();
    await api('PATCH', `/users/${u.id}`, { role: 'viewer', version });
    await form.getByLabel('New password for conflict-user@example.com').fill('another-password-2');
    await form.getByRole('button', { name: 'Set password' }).click();
    await conflictSaid(page, form, 'the user conflict-user@example.com', 'conflicts-user-reset');
    expect(await form.getByLabel('New password for conflict-user@example.com').inputValue()).toBe('');
    await expect.poll(() => role.inputValue()).toBe('viewer');
    // The password set again on the saved version is set.
    await form.getByLabel('New password for conflict-user@example.com').fill('another-password-2');
    await form.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('New password set for conflict-user@example.com').waitFor();
    expect(s.errors).toEqual([]);
  });
});
