import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, SCREENSHOTS, setUpApi, startSink, type AdminSession, type Sink } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * Every editor that holds typed work asks before it is lost, as the template editor does
 * (editor-guards.test.ts): rules, servers, accounts, branding, the settings cards, webhooks, a
 * new API key, a DKIM key. Typing, then a menu link, asks "Leave without saving?"; Keep editing
 * keeps the page and the text; after Save (or with nothing changed, or typed back) the menu
 * leaves at once. Several forms holding work on one page make one question naming them all. And
 * a double click on the template and layout Save sends one request, not two. Chromium against a
 * real Mailroom on 127.0.0.1. Screenshots: unsaved-*.png.
 */
const run = chromiumAvailable();

const location = (page: Page) => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

/** The app's question before leaving a form with unsaved changes. */
const leaveQuestion = (page: Page) => page.getByRole('dialog', { name: 'Leave without saving?' });
const menu = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** A menu link leaves at once: no question, the email log shows. */
async function leavesAtOnce(page: Page): Promise<void> {
  await menu(page, 'Email log').click();
  await page.waitForURL('**/messages');
  await page.getByRole('heading', { name: 'Email log', level: 1 }).waitFor();
  expect(await leaveQuestion(page).count()).toBe(0);
}

/**
 * With `value` typed into `field`, a menu link asks, naming `what`; Keep editing stays: the same
 * address, the text as typed. Returns the question's words.
 */
async function asksAndKeeps(page: Page, field: Locator, value: string, what: string, shot: string): Promise<string> {
  const from = location(page);
  await field.fill(value);
  await menu(page, 'Email log').click();
  const question = leaveQuestion(page);
  await question.waitFor();
  const words = await question.innerText();
  expect(words).toContain(`Your changes to ${what} are not saved.`);
  // What is in view, as the admin sees it: a full-page picture moved the sticky menu and cut the dimming off.
  await page.screenshot({ path: path.join(SCREENSHOTS, `${shot}.png`) });
  await question.getByRole('button', { name: 'Keep editing' }).click();
  await question.waitFor({ state: 'detached' });
  expect(location(page)).toBe(from);
  expect(await field.inputValue()).toBe(value);
  return words;
}

describe.runIf(run)('Unsaved work in every editor, in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let serverId: string;
  let accountId: string;
  let endpointId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    sink = await startSink();
    // Webhook endpoints on this machine, for the webhooks test (nothing is delivered to it).
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    serverId = (await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'app@example.com', fromName: 'App' })).id;
    endpointId = (await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hooks/billing', description: 'Billing', events: ['message.failed'] })).id;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('rule form: nothing typed leaves at once; typed work asks; created, the rule leaves at once; typed back is no change', async () => {
    const { page } = s;
    await page.goto('/rules/new');
    await page.locator('#rule-name').waitFor();
    await leavesAtOnce(page);

    await fillNewRule(page, { name: 'Billing approvers', events: 'access.request.*', addresses: 'billing@example.com' });
    await asksAndKeeps(page, page.locator('#rule-events'), 'access.request.created', 'the new rule', 'unsaved-01-rule-question');
    expect(await page.locator('#rule-name').inputValue()).toBe('Billing approvers');
    expect(await page.locator('#rule-addresses').inputValue()).toBe('billing@example.com');

    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL((u) => /^\/rules\/[^/]+$/.test(u.pathname) && u.pathname !== '/rules/new');
    await page.getByText('Saved.', { exact: true }).waitFor();
    const rulePath = location(page);
    await leavesAtOnce(page);

    // On the saved rule: a name typed and typed back again changes nothing, so nothing is asked.
    await page.goto(rulePath);
    const name = page.locator('#rule-name');
    await name.waitFor();
    await name.fill('Billing approvers (old)');
    await name.fill('Billing approvers');
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('server form: as loaded, it leaves at once; typed work asks; after Save changes it leaves at once', async () => {
    const { page } = s;
    await page.goto(`/servers/${serverId}`);
    const name = page.locator(`#srv-${serverId}-name`);
    await name.waitFor();
    // Opened and left as loaded: nothing to ask about.
    await leavesAtOnce(page);
    await page.goto(`/servers/${serverId}`);
    await name.waitFor();
    await asksAndKeeps(page, name, 'Sink relay', 'this server', 'unsaved-02-server-question');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await name.inputValue()).toBe('Sink relay');
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('account form: as loaded, it leaves at once; typed work asks; after Save changes it leaves at once', async () => {
    const { page } = s;
    await page.goto(`/accounts/${accountId}`);
    const fromName = page.locator(`#acc-${accountId}-name`);
    await fromName.waitFor();
    await leavesAtOnce(page);
    await page.goto(`/accounts/${accountId}`);
    await fromName.waitFor();
    await asksAndKeeps(page, fromName, 'App Notifications', 'this account', 'unsaved-03-account-question');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('branding and a new template on the Templates page: one question for both; each saved, it leaves at once', async () => {
    const { page } = s;
    await page.goto('/templates');
    const brand = page.locator('#brand-name');
    await brand.waitFor();
    await page.locator('#new-tpl-key').fill('weekly_digest');
    // Named in the order the work began.
    const words = await asksAndKeeps(page, brand, 'Acme Mail', 'the new template and the branding', 'unsaved-04-branding-question');
    expect(words).toContain('If you leave now, they are lost.');
    expect(await page.locator('#new-tpl-key').inputValue()).toBe('weekly_digest');

    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByText('Saved. Messages accepted from now on use it.').waitFor();
    // The branding is saved; the new template's key is still only typed.
    await menu(page, 'Email log').click();
    const question = leaveQuestion(page);
    await question.waitFor();
    expect(await question.innerText()).toContain('Your changes to the new template are not saved.');
    await question.getByRole('button', { name: 'Keep editing' }).click();
    await question.waitFor({ state: 'detached' });
    await page.locator('#new-tpl-key').fill('');
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('settings: as loaded, it leaves at once; two cards with changes make one question naming both; each Save takes its card out', async () => {
    const { page } = s;
    await page.goto('/settings');
    const count = page.locator('#soft-bounces-count');
    await count.waitFor();
    await leavesAtOnce(page);
    await page.goto('/settings');
    await count.waitFor();
    await page.locator('#global-cc').fill('copies@example.com');
    await asksAndKeeps(page, count, '5', 'the defaults and the soft bounces', 'unsaved-05-settings-question');
    expect(await page.locator('#global-cc').inputValue()).toBe('copies@example.com');

    await page.getByRole('button', { name: 'Save soft bounces' }).click();
    await page.getByText('Saved: applies from the next bounce.').waitFor();
    await menu(page, 'Email log').click();
    const question = leaveQuestion(page);
    await question.waitFor();
    expect(await question.innerText()).toContain('Your changes to the defaults are not saved.');
    await question.getByRole('button', { name: 'Keep editing' }).click();
    await question.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Save defaults' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('webhooks: a new endpoint and an endpoint\'s settings ask while typed; created or saved, they leave at once', async () => {
    const { page } = s;
    await page.goto('/webhooks');
    const url = page.locator('#wh-new-url');
    await url.waitFor();
    await asksAndKeeps(page, url, 'http://127.0.0.1:9/hooks/orders', 'the new endpoint', 'unsaved-06-webhook-new-question');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByLabel('The webhook signing secret', { exact: true }).waitFor();
    // The secret is shown only this once: leaving asks until it is copied or put away with Done
    // (shown-once-and-switches.test.ts); here it is put away.
    await page.getByTestId('new-webhook-secret').getByRole('button', { name: 'Done' }).click();
    await leavesAtOnce(page);

    await page.goto(`/webhooks/${endpointId}`);
    const description = page.locator(`#wh-${endpointId}-desc`);
    await description.waitFor();
    await asksAndKeeps(page, description, 'Billing service', 'this endpoint', 'unsaved-07-webhook-edit-question');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('API keys: the list\'s filter keeps the page and asks nothing; a menu link asks; created, it leaves at once', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    const name = page.locator('#key-name');
    await name.waitFor();
    await name.fill('Billing');
    // Only the query changes: the page, and the name typed, stay.
    await page.locator('#key-show').selectOption('90');
    await page.waitForURL(/\/api-keys\?unused=90$/);
    expect(await leaveQuestion(page).count()).toBe(0);
    expect(await name.inputValue()).toBe('Billing');
    await asksAndKeeps(page, name, 'Billing service', 'the new key', 'unsaved-08-api-key-question');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-api-key').waitFor();
    // The key is shown only this once: leaving asks until it is copied or put away with Done
    // (shown-once-and-switches.test.ts); here it is put away.
    await page.getByTestId('new-api-key').getByRole('button', { name: 'Done' }).click();
    await leavesAtOnce(page);
    expect(s.errors).toEqual([]);
  });

  it('DKIM key: opening another domain asks while a selector is typed; created, it goes at once', async () => {
    const { page } = s;
    await page.goto('/domains?domain=example.com');
    const selector = page.locator('#dkim-selector');
    await selector.waitFor();
    await selector.fill('s2026');
    await page.locator('#domain-input').fill('example.org');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const question = leaveQuestion(page);
    await question.waitFor();
    expect(await question.innerText()).toContain('Your changes to the DKIM key of example.com are not saved.');
    await question.getByRole('button', { name: 'Keep editing' }).click();
    await question.waitFor({ state: 'detached' });
    expect(location(page)).toBe('/domains?domain=example.com');
    expect(await selector.inputValue()).toBe('s2026');

    await page.getByTestId('dkim-card').getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Key created.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForURL(/\/domains\?domain=example\.org$/);
    expect(await leaveQuestion(page).count()).toBe(0);
    await page.getByRole('heading', { name: 'DKIM key for example.org' }).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('double click on Save of the template and the layout editor: one request, one new version, no conflict', async () => {
    const { page } = s;
    const puts: string[] = [];
    const count = (r: { method(): string; url(): string }) => {
      if (r.method() === 'PUT') puts.push(new URL(r.url()).pathname);
    };
    page.on('request', count);
    try {
      await page.goto('/templates/password_reset');
      const subject = page.locator('#tpl-en-subject');
      await subject.waitFor();
      await subject.fill('Reset your {{ brand.name }} password (twice clicked)');
      await page.getByRole('button', { name: 'Save', exact: true }).dblclick();
      await page.getByText('Saved as version 2.').waitFor();
      // A second request, had it gone, is refused as a conflict with the first: give it time to show.
      await page.waitForTimeout(500);
      expect(puts).toEqual(['/api/v1/templates/password_reset']);
      expect(await page.getByText('Not saved').count()).toBe(0);
      await screenshot(page, 'unsaved-09-template-saved-once');

      await page.goto('/templates/layouts/default');
      const html = page.locator('#layout-html');
      await html.waitFor();
      await html.fill(`${await html.inputValue()}\n<!-- saved once -->`);
      await page.getByRole('button', { name: 'Save layout' }).dblclick();
      await page.getByText(/Saved as version \d+\./).waitFor();
      await page.waitForTimeout(500);
      expect(puts).toEqual(['/api/v1/templates/password_reset', '/api/v1/layouts/default']);
      expect(await page.getByText('Not saved').count()).toBe(0);
    } finally {
      page.off('request', count);
    }
    const versions = await s.live.t.request({ method: 'GET', url: '/api/v1/templates/password_reset' });
    expect((versions.json() as { version: number }).version).toBe(2);
    expect(s.errors).toEqual([]);
  });
});
