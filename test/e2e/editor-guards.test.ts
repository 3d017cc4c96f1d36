import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, login, newPage, openAdminSession, screenshot, SCREENSHOTS, setUpApi, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * What the template and layout editors guard, in Chromium against a real Mailroom: unsaved edits
 * are not lost without a question (the menu, Back, Log out, a reload, closing the tab); a preview
 * whose draft no longer renders says it is out of date; the focus stays on a control after Save
 * layout, Remove locale and deleting a DKIM key; and no placeholder is cut off on a phone.
 */
const run = chromiumAvailable();
const PHONE = { width: 390, height: 844 };

/** The focused element: its tag and text. */
const focused = (page: Page) =>
  page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: ((document.activeElement as HTMLElement | null)?.innerText ?? '').replace(/\s+/g, ' ').trim() }));

const pathOf = (page: Page) => new URL(page.url()).pathname;

/** The app's question before leaving an editor with unsaved changes. */
const leaveQuestion = (page: Page) => page.getByRole('dialog', { name: 'Leave without saving?' });

/**
 * Every visible input and textarea whose placeholder is wider than the room inside it, as
 * "id: placeholder (needs / has px)"; measured with the placeholder's own font.
 */
const cutPlaceholders = (page: Page) =>
  page.evaluate(() => {
    const ctx = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
    const cut: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[placeholder], textarea[placeholder]')) {
      if (!el.placeholder || el.getBoundingClientRect().width === 0) continue;
      const style = getComputedStyle(el, '::placeholder');
      ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const needs = Math.max(...el.placeholder.split('\n').map((line) => ctx.measureText(line).width));
      if (needs > room) cut.push(`${el.id || el.getAttribute('aria-label') || el.closest('label')?.textContent || '?'}: "${el.placeholder}" (${Math.ceil(needs)} / ${Math.floor(room)} px)`);
    }
    return cut;
  });

describe.runIf(run)('Editor guards in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  let accountId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
    const server = await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    accountId = (await api('POST', '/accounts', { serverId: server.id, address: 'app@example.com', fromName: 'App' })).id;
    // Someone whose password an admin may reset (the Users page offers no reset for oneself).
    await api('POST', '/users', { email: 'op@example.com', role: 'operator', password: 'first-password-1' });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('template editor: the menu, Back and Log out ask before unsaved changes are lost; nothing changed or just saved, they do not', async () => {
    const { page } = s;
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
    const question = leaveQuestion(page);
    await page.goto('/messages');
    await nav('Templates').click();
    await page.getByRole('link', { name: 'Password reset' }).click();
    const subject = page.locator('#tpl-en-subject');
    await subject.waitFor();

    // Nothing changed: the menu leaves at once, and Back returns to the editor.
    await nav('Email log').click();
    await page.waitForURL('**/messages');
    expect(await question.count()).toBe(0);
    await page.evaluate(() => history.back());
    await subject.waitFor();

    const edited = 'Reset your {{ brand.name }} password now';
    await subject.fill(edited);
    await nav('Email log').click();
    await question.waitFor();
    expect(pathOf(page)).toBe('/templates/password_reset');
    expect(await question.innerText()).toContain('not saved');
    await screenshot(page, 'guards-01-leave-question');
    // Keep editing: the page, the draft and the focus (on the link that asked) stay.
    await question.getByRole('button', { name: 'Keep editing' }).click();
    await question.waitFor({ state: 'detached' });
    expect(pathOf(page)).toBe('/templates/password_reset');
    expect(await subject.inputValue()).toBe(edited);
    expect(await focused(page)).toEqual({ tag: 'A', text: 'Email log' });

    // The browser's Back asks too; Escape answers "stay", and the address bar is the editor's again.
    await page.evaluate(() => history.back());
    await question.waitFor();
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    await expect.poll(() => pathOf(page)).toBe('/templates/password_reset');
    // A Back that had gone through would have shown the Templates list meanwhile.
    await page.waitForTimeout(300);
    expect(pathOf(page)).toBe('/templates/password_reset');
    expect(await subject.inputValue()).toBe(edited);

    // Log out would drop the draft as well.
    await page.getByRole('button', { name: 'Log out' }).click();
    await question.waitFor();
    await question.getByRole('button', { name: 'Keep editing' }).click();
    await question.waitFor({ state: 'detached' });
    expect(await subject.inputValue()).toBe(edited);

    // Back, then Discard: the list the editor came from, the focus at the start of the page.
    await page.evaluate(() => history.back());
    await question.waitFor();
    await question.getByRole('button', { name: 'Discard changes and leave' }).click();
    await page.waitForURL('**/templates');
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    await expect.poll(() => focused(page).then((f) => f.tag)).toBe('MAIN');

    // Forward to the editor: the draft went. Saved, the menu leaves without a question.
    await page.evaluate(() => history.forward());
    await subject.waitFor();
    expect(await subject.inputValue()).not.toBe(edited);
    await subject.fill(edited);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved as version 2.').waitFor();
    // The form starts afresh from the saved version: its Save has the focus again.
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Save' });
    await nav('Email log').click();
    await page.waitForURL('**/messages');
    expect(await question.count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('layout editor on a phone: a link asks in the app; a reload or closing the tab asks through the browser, not once saved', async () => {
    const { page, context, errors } = await newPage(s.browser, s.live.baseUrl, PHONE);
    try {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto('/templates/layouts/default');
      const html = page.locator('#layout-html');
      await html.waitFor();
      const asked: string[] = [];
      // "Stay" at every browser question: what stays is then checked.
      page.on('dialog', (d) => {
        asked.push(d.type());
        // A question the closing tab or the reload's own timeout already took away is gone
        // before the answer: nothing to dismiss then (what stays is checked below).
        d.dismiss().catch(() => undefined);
      });
      // The browser asks only on a page the user has touched: click, change nothing, reload.
      await html.click();
      await page.reload();
      await html.waitFor();
      expect(asked).toEqual([]);

      const original = await html.inputValue();
      await html.fill(`${original}\n<!-- edited -->`);
      await page.getByRole('link', { name: '← Templates' }).click();
      const question = leaveQuestion(page);
      await question.waitFor();
      await screenshot(page, 'guards-02-phone-leave-question');
      await question.getByRole('button', { name: 'Keep editing' }).click();
      await question.waitFor({ state: 'detached' });
      expect(pathOf(page)).toBe('/templates/layouts/default');

      // A reload asks (beforeunload); answered "stay", the draft is still there (and Playwright's
      // reload waits in vain for a load: a short timeout, expected to pass, not waited for: the
      // question asked is what this waits for).
      void page.reload({ timeout: 3_000 }).catch(() => undefined);
      await expect.poll(() => asked).toEqual(['beforeunload']);
      expect(await html.inputValue()).toContain('<!-- edited -->');
      // So does closing the tab.
      await page.close({ runBeforeUnload: true });
      await expect.poll(() => asked).toEqual(['beforeunload', 'beforeunload']);
      expect(page.isClosed()).toBe(false);

      // Saved: a reload asks nothing.
      await page.getByRole('button', { name: 'Save layout' }).click();
      await page.getByText(/Saved as version \d+\./).waitFor();
      await page.reload();
      await html.waitFor();
      expect(asked).toHaveLength(2);
      expect(await html.inputValue()).toContain('<!-- edited -->');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('preview: while the draft does not render, the last good preview says it is out of date; a render that works clears it', async () => {
    // The desktop and the phone each edit a draft of their own, nothing saved: side by side.
    const onDesktop = async () => {
      const { page } = s;
      await page.goto('/templates/two_factor');
      const subject = page.getByTestId('preview-subject');
      await expect.poll(() => subject.textContent()).toContain('verification code');
      const outdated = page.getByTestId('preview-outdated');
      const problem = page.getByTestId('preview-error');
      expect(await outdated.count()).toBe(0);

      const html = page.locator('#tpl-en-html');
      const original = await html.inputValue();
      await html.fill(`${original}<p>{{ no_such_variable }}</p>`);
      await problem.waitFor();
      await outdated.waitFor();
      expect(await outdated.innerText()).toContain('This preview is of the last version that rendered');
      // The old render is still there under the notice, marked as such for everyone.
      expect(await page.locator('[data-preview-outdated="true"]').count()).toBe(1);
      expect(await subject.textContent()).toContain('verification code');
      await screenshot(page, 'guards-03-preview-outdated');

      await html.fill(original);
      await outdated.waitFor({ state: 'detached' });
      expect(await problem.count()).toBe(0);
      expect(await page.locator('[data-preview-outdated="true"]').count()).toBe(0);

      // Sample data that is not JSON cannot be rendered either: the preview says so, not nothing.
      const sample = page.locator('#tpl-sample');
      const json = await sample.inputValue();
      await sample.fill('{ "code": ');
      await outdated.waitFor();
      expect(await problem.innerText()).toContain('not valid JSON');
      await sample.fill(json);
      await outdated.waitFor({ state: 'detached' });
      expect(await problem.count()).toBe(0);
    };
    const onPhone = async () => {
      // On a phone the preview sits below the editor: the notice is on it, where it is read.
      const phone = await newPage(s.browser, s.live.baseUrl, PHONE);
      try {
        await login(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
        await phone.page.goto('/templates/two_factor');
        await expect.poll(() => phone.page.getByTestId('preview-subject').textContent()).toContain('verification code');
        const phoneHtml = phone.page.locator('#tpl-en-html');
        await phoneHtml.fill(`${await phoneHtml.inputValue()}<p>{{ no_such_variable }}</p>`);
        await phone.page.getByTestId('preview-outdated').waitFor();
        // The error and the note under it, as the admin scrolls down to the preview.
        await phone.page.getByTestId('preview-error').scrollIntoViewIfNeeded();
        await phone.page.screenshot({ path: path.join(SCREENSHOTS, 'guards-04-phone-preview-outdated.png') });
        expect(phone.errors).toEqual([]);
      } finally {
        await phone.context.close();
      }
    };
    await Promise.all([onDesktop(), onPhone()]);
    expect(s.errors).toEqual([]);
  });

  it('focus: Save layout keeps it on the button; Remove locale puts it on the tab shown; deleting a DKIM key on Create key', async () => {
    const { page } = s;
    await page.goto('/templates/layouts/default');
    const name = page.locator('#layout-name');
    await name.waitFor();
    await name.fill('Branded default (focus)');
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByText(/Saved as version \d+\./).waitFor();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Save layout' });

    await page.goto('/templates/magic_link');
    const tabs = page.getByRole('tablist', { name: 'Locales' });
    await tabs.getByRole('tab', { name: 'de' }).waitFor();
    // Three locales: the button that stays would read "Remove en"; a second Enter must not remove that one too.
    await page.getByLabel('New locale').fill('fr');
    await page.getByRole('button', { name: 'Add locale' }).click();
    await page.getByRole('button', { name: 'Remove fr' }).click();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'en' });
    expect(await tabs.getByRole('tab', { name: 'en' }).getAttribute('aria-selected')).toBe('true');
    // Two locales: the Remove button goes with the second-last.
    await tabs.getByRole('tab', { name: 'de' }).click();
    await page.getByRole('button', { name: 'Remove de' }).click();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'en' });
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);

    await api('PUT', '/dkim/example.com', { selector: 'mr1', keyBits: 1024 });
    await page.goto('/domains?domain=example.com');
    const card = page.getByTestId('dkim-card');
    await card.getByRole('button', { name: 'Delete key' }).click();
    await card.getByRole('button', { name: 'Yes, delete key' }).click();
    await card.getByText('No key yet').waitFor();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Create key' });
    expect(await card.getByRole('status').innerText()).toContain('Key deleted');
    await screenshot(page, 'guards-05-dkim-deleted');
    expect(s.errors).toEqual([]);
  });

  it('no placeholder is cut off at 390 px', async () => {
    const { page, context, errors } = await newPage(s.browser, s.live.baseUrl, PHONE);
    try {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      const cut: string[] = [];
      const look = async (p: Page, where: string, act?: () => Promise<unknown>) => {
        await p.goto(where);
        await p.locator('main#main h1').first().waitFor();
        await p.waitForLoadState('networkidle');
        await act?.();
        // Folded sections hold fields too.
        await p.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
        for (const c of await cutPlaceholders(p)) cut.push(`${where} ${c}`);
      };
      // Each look stands alone (nothing is saved): they share the phone's context, four pages at a
      // time, rather than waiting for each other's idle network. A page whose picture is kept is
      // pictured right after its own look (the pages were formerly looked at a second time for it).
      const looks: ((p: Page) => Promise<void>)[] = [
        ...['/servers/new', '/accounts', '/routing', '/templates', '/templates/password_reset', '/templates/layouts/default', '/rules/new', '/events', '/domains?domain=example.com', '/webhooks', '/suppressions', '/api-keys', '/smtp-relay', '/secrets', '/profile'].map((where) => (p: Page) => look(p, where)),
        (p) => look(p, '/secrets', () => p.locator('#spv-kind').selectOption('vault')),
        (p) => look(p, '/secrets', () => p.locator('#spv-kind').selectOption('cyberark')),
        (p) => look(p, '/servers/new', () => p.locator('select[id$="-mode"]').selectOption('direct')),
        (p) => look(p, '/domains?domain=example.com', () => p.getByLabel('Import a PEM key').check()),
        async (p) => {
          await look(p, '/messages');
          await screenshot(p, 'guards-06-phone-log-filters');
        },
        async (p) => {
          await look(p, '/audit');
          // The filters at the top: the whole log below would make a very long picture.
          await p.screenshot({ path: path.join(SCREENSHOTS, 'guards-06-phone-audit-filters.png') });
        },
        async (p) => {
          await look(p, `/accounts/${accountId}`);
          await p.getByTestId('aliases').scrollIntoViewIfNeeded();
          await p.screenshot({ path: path.join(SCREENSHOTS, 'guards-06-phone-account-aliases.png') });
        },
        async (p) => {
          await look(p, '/users', () => p.getByRole('button', { name: /Reset password/ }).first().click());
          await screenshot(p, 'guards-06-phone-users-reset');
        },
      ];
      const pages = [page];
      for (let i = 1; i < 4; i++) {
        const extra = await context.newPage();
        extra.setDefaultTimeout(15_000);
        // Uncaught exceptions count on these pages as on the first (newPage listens on that one only).
        extra.on('pageerror', (err) => errors.push(err.message));
        pages.push(extra);
      }
      await Promise.all(
        pages.map(async (p) => {
          for (let next = looks.shift(); next; next = looks.shift()) await next(p);
        }),
      );
      expect(cut).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
