import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, closedPort, login, newPage, openAdminSession, screenshot, type AdminSession } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * What a first-time admin ran into on the way through the UI, each checked in Chromium: a new
 * user is told they choose their own password (and is asked to at the first sign-in); a refused
 * address on Suppressions is said in the form that sent it, and a cancelled removal gives focus
 * back; filtered lists (suppressions, audit log, events) say that nothing matches rather than
 * that nothing exists; a refused dry run takes its stale result away; a rule that matched but
 * sent nothing is highlighted on Events; checkboxes with wrapping labels keep their size; and on
 * a phone, choosing a menu entry moves focus into the page, the email log keeps an account's
 * address in one piece, and a new SMTP credential's framework tabs keep the page's width.
 * Screenshots: walk-*.png.
 */
describe.runIf(chromiumAvailable())('a first admin walks the UI', { timeout: 120_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    // The relay listens, so a new SMTP credential comes with its framework settings.
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_RELAY_PORT: String(await closedPort()) } });
  }, 120_000);
  afterAll(async () => s?.close());

  it('adds a user: a short password is refused at its field with the input kept; the new user is told, and asked, to choose their own', async () => {
    const { page } = s;
    await page.goto('/users');
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Email', { exact: true }).fill('ann@example.com');
    await form.getByLabel('Role', { exact: true }).selectOption('operator');
    // The browser's own minlength check would stop a short password before the API sees it; the API's words matter here.
    await page.evaluate(() => document.getElementById('user-password')?.removeAttribute('minlength'));
    await form.getByLabel('Initial password').fill('short');
    await form.getByRole('button', { name: 'Add user' }).click();
    await form.locator('#user-password-error').getByText('must be at least 10 characters').waitFor();
    expect(await form.getByLabel('Initial password').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Email', { exact: true }).inputValue()).toBe('ann@example.com');
    expect(await form.getByLabel('Role', { exact: true }).inputValue()).toBe('operator');
    expect(await form.getByLabel('Initial password').getAttribute('minlength')).toBeNull();
    await page.reload();
    expect(await page.getByLabel('Initial password').getAttribute('minlength')).toBe('10');
    expect(await page.locator('#user-password-hint').innerText()).toContain('choose their own at their first sign-in');

    await page.getByLabel('Email', { exact: true }).fill('ann@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByLabel('Initial password').fill('ann-initial-password');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('ann@example.com was added as operator').waitFor();
    expect(await page.locator('main').innerText()).toContain('asked to choose their own');
    await page.getByRole('row', { name: /ann@example\.com/ }).getByText('own password not chosen yet').waitFor();
    await screenshot(page, 'walk-01-user-added');

    const ann = await newPage(s.browser, s.live.baseUrl);
    try {
      await login(ann.page, 'ann@example.com', 'ann-initial-password');
      await ann.page.getByText('Choose your own password.').waitFor();
      await ann.page.getByRole('link', { name: 'Change it now →' }).click();
      await ann.page.waitForURL('**/profile');
      await ann.page.getByLabel('New password', { exact: true }).fill('ann-own-password-1');
      await ann.page.getByLabel('New password, again').fill('ann-own-password-1');
      await ann.page.getByLabel('Current password').fill('ann-initial-password');
      await ann.page.getByRole('button', { name: 'Save' }).click();
      await ann.page.getByText('Your new password is in use').waitFor();
      expect(await ann.page.getByText('Choose your own password.').count()).toBe(0);
      expect(ann.errors).toEqual([]);
      // The admin's list says so once the list is read again.
      await page.reload();
      await page.getByRole('row', { name: /ann@example\.com/ }).waitFor();
      expect(await page.getByRole('row', { name: /ann@example\.com/ }).getByText('own password not chosen yet').count()).toBe(0);
    } finally {
      await ann.context.close();
    }
  });

  it('suppressions: a refused address is said in the form; a search without match says so', async () => {
    const { page } = s;
    await page.goto('/suppressions');
    const form = page.getByRole('form', { name: 'Suppress an address' });
    await form.getByLabel('Address', { exact: true }).fill('gone@example.net');
    await form.getByRole('button', { name: 'Suppress' }).click();
    await page.getByRole('cell', { name: 'gone@example.net', exact: true }).waitFor();
    await form.getByLabel('Address', { exact: true }).fill('gone@example.net');
    await form.getByLabel('Note (optional)').fill('second try');
    await form.getByRole('button', { name: 'Suppress' }).click();
    // Said at the Address field, which it is about.
    await form.locator('#supp-address-error').getByText('is on the suppression list already').waitFor();
    // Kept, to correct.
    expect(await form.getByLabel('Note (optional)').inputValue()).toBe('second try');
    expect(await form.getByLabel('Address', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // Each row's button says which address it removes; asking and then not removing gives focus back to it.
    const remove = page.getByRole('button', { name: 'Remove gone@example.net' });
    await remove.click();
    await page.getByRole('group', { name: 'Send to gone@example.net again?' }).getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => remove.evaluate((b) => b === document.activeElement)).toBe(true);
    await remove.click();
    await page.keyboard.press('Escape');
    await expect.poll(() => remove.evaluate((b) => b === document.activeElement)).toBe(true);
    expect(await page.getByRole('cell', { name: 'gone@example.net', exact: true }).count()).toBe(1);

    await page.getByLabel('Address contains').fill('nothing-like-it');
    await page.getByRole('button', { name: 'Search' }).click();
    // The list says it, and a status line says it again for screen readers: the first is the list's.
    await page.getByText('No suppressed address contains “nothing-like-it”').first().waitFor();
    expect(await page.getByText('Bounces and complaints Mailroom reads put addresses here.').count()).toBe(0);
    await screenshot(page, 'walk-02-suppressions');
  });

  it('audit log: filters that match nothing say so', async () => {
    const { page } = s;
    await page.goto('/audit');
    await page.locator('.audit-entry').first().waitFor();
    // Action and target type are menus of what the log records; the actor is typed, and can match nothing.
    await page.getByLabel('Actor').fill('user:nobody@example.com');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No entry matches these filters').waitFor();
    await page.getByText('The actor matches exactly, as the log shows it').waitFor();
    expect(await page.getByText('Nothing recorded yet').count()).toBe(0);
    // A known action nothing has done yet: no entry, and no hint about the actor.
    await page.getByLabel('Actor').fill('');
    await page.getByLabel('Action').selectOption('webhook.auto_disable');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('action=webhook.auto_disable');
    await page.getByText('No entry matches these filters').waitFor();
    expect(await page.getByText('The actor matches exactly').count()).toBe(0);
  });

  it('dry run: a refused run takes the previous result away', async () => {
    const { page } = s;
    await fillNewRule(page, { name: 'Access', events: 'access.request.*', addresses: 'audit@example.com' });
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ type: 'other.event', data: {}, recipients: {} }));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByTestId('dry-run-result').waitFor();
    await page.getByLabel('Fixed addresses').fill('not an address');
    await page.getByRole('button', { name: 'Run dry run' }).click();
    await page.getByText(/Cannot run: .*not an address/).waitFor();
    expect(await page.getByTestId('dry-run-result').count()).toBe(0);
  });

  it('events: a rule that matched but sent nothing is highlighted; a type that matches nothing says so', async () => {
    const { page } = s;
    const post = async (url: string, payload: object, status: number) => {
      const res = await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload });
      expect(res.statusCode, res.body).toBe(status);
    };
    // The template needs data.requester, which this event lacks: the rule matches and sends nothing.
    await post('/rules', { name: 'Approvers', events: ['access.request.*'], recipients: { addresses: ['audit@example.com'] }, template: 'access_request' }, 201);
    await post('/events', { type: 'access.request.created', id: 'walk-1', data: {}, recipients: {} }, 202);
    await page.goto('/events');
    const badge = page.getByRole('row', { name: /walk-1/ }).getByText('Approvers', { exact: true });
    await badge.waitFor();
    expect((await badge.getAttribute('class'))?.split(' ')).toContain('badge-warn');
    expect(await badge.getAttribute('title')).toBeTruthy();

    await page.getByLabel('Event type').fill('access.request');
    await page.getByLabel('Event type').press('Enter');
    await page.getByText('No event of type “access.request”').waitFor();
    expect(await page.getByText('No event yet').count()).toBe(0);
  });

  it('a checkbox whose label wraps keeps its size (Reports, API keys)', async () => {
    const { page } = s;
    for (const [path, name] of [
      ['/reports', 'Use the default sender (the report purpose’s account)'],
      ['/api-keys', 'May choose the account per message'],
    ] as const) {
      await page.goto(path);
      const box = page.getByRole('checkbox', { name });
      await box.waitFor();
      const size = await box.evaluate((el) => el.getBoundingClientRect().width);
      // Chromium draws a checkbox 13 px wide; squeezed by its wrapping label it was about half that.
      expect(size, path).toBeGreaterThanOrEqual(12);
    }
  });

  it('choosing a menu entry on a phone moves focus into the page, not onto the hidden menu', async () => {
    const phone = await newPage(s.browser, s.live.baseUrl, { width: 375, height: 800 });
    try {
      await login(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.getByRole('button', { name: 'Menu' }).click();
      await phone.page.getByRole('link', { name: 'Suppressions' }).click();
      await phone.page.getByRole('heading', { name: 'Suppressions' }).waitFor();
      await expect.poll(() => phone.page.evaluate(() => document.activeElement?.id)).toBe('main');

      // The email log's stacked rows: the account's address stays one piece beside its label, not split over three lines.
      const sent = await s.live.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 'Phone row', text: 'x' } });
      expect(sent.statusCode, sent.body).toBe(202);
      await phone.page.goto('/messages');
      const account = phone.page.locator('td[data-label="Account"]').first();
      await account.getByText('app@example.com').waitFor();
      const [cell, label] = await account.evaluate((td) => {
        const box = (e: Element) => e.getBoundingClientRect();
        const value = td.firstElementChild as Element;
        return [box(value), { height: parseFloat(getComputedStyle(td).lineHeight) || 20 }];
      });
      expect(cell.width).toBeGreaterThan(120);
      expect(cell.height).toBeLessThan(label.height * 1.5);
      await screenshot(phone.page, 'walk-03-phone-log');

      // A new SMTP credential's settings for four frameworks: the tabs wrap, the page keeps the phone's width.
      await phone.page.goto('/smtp-relay');
      await phone.page.getByLabel('Name', { exact: true }).fill('Billing app');
      await phone.page.getByLabel('May send as').fill('app@example.com');
      await phone.page.getByRole('button', { name: 'Create credential' }).click();
      await phone.page.getByRole('tab', { name: 'Node (nodemailer)' }).waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(phone.page, 'walk-04-phone-relay-credential');
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
    expect(s.errors).toEqual([]);
  });
});
