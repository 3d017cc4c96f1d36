import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closedPort, openAdminSession, setUpApi, startSink, type AdminSession, type Sink } from './harness.js';

/**
 * What a keyboard and screen-reader user gets after acting on a list, and the pieces that make it
 * work: a role=status notice saying what an add, revoke, rotation or removal did, with the focus
 * on the row (or its neighbour, or the list's heading) instead of the page's start; focus rings and
 * the sidebar's user link with enough contrast; row buttons named with their item; tabs that follow
 * the WAI-ARIA pattern; errors tied to their field and said; a filter's result said politely.
 */
const run = chromiumAvailable();

/** The focused element: its tag, id and text (a row's text names its item). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName ?? '', id: el?.id ?? '', text: el?.innerText ?? '' };
  });

/** The text of the page's role=status regions (notices, and the lists' polite result line). */
const statuses = (page: Page) => page.getByRole('status').allInnerTexts();

/** What an element shows, without its screen-reader-only words. */
const seen = (el: Locator) =>
  el.evaluate((node) => {
    const copy = node.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.sr-only').forEach((x) => x.remove());
    return (copy.textContent ?? '').trim();
  });

/** WCAG contrast of two computed CSS colours (rgb()/rgba() with alpha 1). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(c);
    if (!m) throw new Error(`not a colour: ${c}`);
    if (m[4] !== undefined && Number(m[4]) < 1) throw new Error(`a translucent colour, its contrast depends on what is under it: ${c}`);
    const [r, g, bl] = [m[1], m[2], m[3]].map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The focused element's outline colour and the background behind it (its nearest ancestor with one). */
const ringAndGround = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    let ground = el.parentElement;
    while (ground && ['rgba(0, 0, 0, 0)', 'transparent'].includes(getComputedStyle(ground).backgroundColor)) ground = ground.parentElement;
    return { ring: style.outlineColor, width: parseFloat(style.outlineWidth), outline: style.outlineStyle, ground: ground ? getComputedStyle(ground).backgroundColor : 'rgb(255, 255, 255)' };
  });

describe.runIf(run)('Accessibility: focus, announcements and names in Chromium', { timeout: 180_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    sink = await startSink();
    // A relay listening: a new SMTP credential then shows its framework tabs.
    s = await openAdminSession('sqlite', { env: { MAILROOM_RELAY_PORT: String(await closedPort()), MAILROOM_RELAY_TLS_PORT: String(await closedPort()) } });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('Suppressions: adding says so and keeps the focus in the form; removing says so and moves it to the next row', async () => {
    const { page } = s;
    await api('POST', '/suppressions', { address: 'b-next@example.net' });
    await page.goto('/suppressions');
    const form = page.getByRole('form', { name: 'Suppress an address' });
    await form.getByLabel('Address').fill('a-first@example.net');
    await form.getByRole('button', { name: 'Suppress' }).click();
    await form.getByRole('status').getByText('a-first@example.net is suppressed').waitFor();
    // Back on Suppress (it was disabled while busy), not the page's start.
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'BUTTON', text: 'Suppress' });
    await page.locator('tr[data-row-key="a-first@example.net"]').waitFor();

    await page.getByRole('button', { name: 'Remove a-first@example.net' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => statuses(page)).toContainEqual(expect.stringContaining('a-first@example.net was removed'));
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('b-next@example.net') });

    // The last one: the focus goes to the page's heading.
    await page.getByRole('button', { name: 'Remove b-next@example.net' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => statuses(page)).toContainEqual(expect.stringContaining('b-next@example.net was removed'));
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H1', text: 'Suppressions' });
    expect(s.errors).toEqual([]);
  });

  it('API keys: Revoke is named with the key; revoking says so and puts the focus on the key’s row', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    await page.getByLabel('Name', { exact: true }).fill('revoke-me');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-api-key').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke revoke-me', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByRole('status').getByText('The key “revoke-me” is revoked').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('revoke-me') });
    expect(await page.locator('tr', { hasText: 'revoke-me' }).getAttribute('data-key-state')).toBe('revoked');
    expect(s.errors).toEqual([]);
  });

  it('Routing: a custom purpose added is said, and the focus goes to the emptied Purpose key', async () => {
    const { page } = s;
    await page.goto('/routing');
    const form = page.getByRole('form', { name: 'Add a custom purpose' });
    await form.getByLabel('Purpose key').fill('a11y_digest');
    await form.getByRole('button', { name: 'Add purpose' }).click();
    await form.getByRole('status').getByText('The purpose “a11y_digest” was added').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'INPUT', id: 'purpose-key' });
    expect(await page.locator('[data-purpose="a11y_digest"]').getByRole('button', { name: 'Delete a11y_digest' }).count()).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('Secrets: adding, rotating and deleting an internal secret are said; the row buttons name the secret', async () => {
    const { page } = s;
    await api('PUT', '/secrets/a11y-other', { value: 'other-value' });
    await page.goto('/secrets');
    const form = page.getByRole('form', { name: 'New internal secret' });
    await form.getByLabel('Name').fill('a11y-pass');
    await form.getByLabel('Value', { exact: true }).fill('first-value');
    await form.getByRole('button', { name: 'Add secret' }).click();
    await page.getByRole('status').getByText('internal:a11y-pass was added').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'BUTTON', text: 'Add secret' });

    await page.getByRole('button', { name: 'Rotate internal:a11y-pass', exact: true }).click();
    const rotate = page.getByRole('form', { name: 'Rotate secret a11y-pass' });
    await rotate.getByLabel('New value').fill('second-value');
    await rotate.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByRole('status').getByText('internal:a11y-pass has its new value').waitFor();
    // The form that had the focus went back to "new": the focus goes to the secret's row.
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('internal:a11y-pass') });

    await page.getByRole('button', { name: 'Delete internal:a11y-pass', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('status').getByText('internal:a11y-pass was deleted').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('internal:a11y-other') });
    expect(s.errors).toEqual([]);
  });

  it('row buttons and links name their item for screen readers, their visible words unchanged', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Sink A11y', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    await api('POST', '/accounts', { serverId: server.id, address: 'a11y@example.com' });
    await api('POST', '/secret-providers', { name: 'Vault A11y', kind: 'vault', config: { address: 'https://vault.example.com' }, credentials: { token: 'hvs.a11y-token-Qq1' } });
    const named = async (where: string, names: [role: 'button' | 'link', name: string, visible: string][]) => {
      await page.goto(where);
      await page.locator('tbody tr').first().waitFor();
      for (const [role, name, visible] of names) {
        const el = page.getByRole(role, { name, exact: true });
        expect(await el.count(), `${where}: ${role} “${name}”`).toBe(1);
        // What is seen stays as it was: the item's name is for screen readers only.
        expect(await seen(el)).toBe(visible);
      }
    };
    await named('/servers', [
      ['link', 'Edit Sink A11y', 'Edit'],
      ['button', 'Delete Sink A11y', 'Delete'],
    ]);
    await named('/accounts', [
      ['link', 'Edit a11y@example.com', 'Edit'],
      ['button', 'Test connection of a11y@example.com', 'Test connection'],
      ['button', 'Delete a11y@example.com', 'Delete'],
    ]);
    await named('/secrets', [
      ['button', 'Delete Vault A11y', 'Delete'],
      ['button', 'Test a secret at Vault A11y', 'Test'],
      ['button', 'Rotate internal:a11y-other', 'Rotate'],
      ['button', 'Delete internal:a11y-other', 'Delete'],
    ]);
    expect(await page.getByLabel('Secret to test at Vault A11y').count()).toBe(1);

    await page.goto('/smtp-relay');
    await page.getByLabel('Name', { exact: true }).fill('a11y-relay');
    await page.getByLabel('May send as').fill('@example.com');
    await page.getByRole('button', { name: /Create credential/ }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    for (const [name, visible] of [
      ['Edit a11y-relay', 'Edit'],
      ['Switch off a11y-relay', 'Switch off'],
      ['Rotate password of a11y-relay', 'Rotate password'],
      ['Delete a11y-relay', 'Delete'],
    ]) {
      const button = page.getByRole('button', { name, exact: true });
      expect(await button.count(), name).toBe(1);
      expect(await seen(button)).toBe(visible);
    }
    expect(s.errors).toEqual([]);
  });

  it('focus rings have 3:1 against white, the page and the sidebar; the sidebar’s user link 4.5:1', async () => {
    const { page } = s;
    await page.goto('/suppressions');
    const ringOn = async (target: Locator) => {
      await target.focus();
      return ringAndGround(page);
    };
    // Focused by the keyboard, as :focus-visible wants (a programmatic focus after a key press counts).
    await page.keyboard.press('Shift');
    // A button on a white card, a field on it, a link in the sidebar.
    const onCard = await ringOn(page.getByRole('form', { name: 'Suppress an address' }).getByRole('button', { name: 'Suppress' }));
    const field = await ringOn(page.getByRole('form', { name: 'Suppress an address' }).getByLabel('Address'));
    const inSidebar = await ringOn(page.locator('.sidebar nav a').first());
    for (const r of [onCard, field, inSidebar]) {
      expect(r.outline).toBe('solid');
      expect(r.width).toBeGreaterThanOrEqual(2);
    }
    expect(contrast(onCard.ring, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
    expect(contrast(onCard.ring, onCard.ground)).toBeGreaterThanOrEqual(3);
    expect(contrast(field.ring, field.ground)).toBeGreaterThanOrEqual(3);
    const pageGround = await page.evaluate(() => getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)' ? getComputedStyle(document.documentElement).backgroundColor : getComputedStyle(document.body).backgroundColor);
    expect(contrast(onCard.ring, pageGround)).toBeGreaterThanOrEqual(3);
    const sidebar = await page.locator('.sidebar').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(contrast(inSidebar.ring, sidebar)).toBeGreaterThanOrEqual(3);

    const who = await page.locator('.whoami-name').evaluate((el) => getComputedStyle(el).color);
    expect(contrast(who, sidebar)).toBeGreaterThanOrEqual(4.5);
  });

  it('tabs: one Tab stop, arrows/Home/End move and choose, each tab controls the panel it names', async () => {
    const { page } = s;
    const checkPanel = async (tablist: Locator) => {
      const selected = tablist.getByRole('tab', { selected: true });
      const [tabId, controls] = [await selected.getAttribute('id'), await selected.getAttribute('aria-controls')];
      expect(controls).toBeTruthy();
      const panel = page.locator(`[id="${controls}"]`);
      expect(await panel.getAttribute('role')).toBe('tabpanel');
      expect(await panel.getAttribute('aria-labelledby')).toBe(tabId);
      // Only the chosen tab is in the Tab order.
      expect(await tablist.getByRole('tab').evaluateAll((tabs) => tabs.map((t) => (t as HTMLElement).tabIndex))).toEqual(
        await tablist.getByRole('tab').evaluateAll((tabs) => tabs.map((t) => (t.getAttribute('aria-selected') === 'true' ? 0 : -1))),
      );
    };

    // The message page: HTML, Text, Headers (sent through the account the test before added).
    const { id } = await api('POST', '/messages', { to: ['tabs@example.net'], subject: 'Tabs', html: '<p>Hello</p>', text: 'Hello' });
    await page.goto(`/messages/${id}`);
    const content = page.getByRole('tablist', { name: 'Message content' });
    await content.getByRole('tab', { name: 'HTML', selected: true }).waitFor();
    await checkPanel(content);
    await content.getByRole('tab', { name: 'HTML' }).focus();
    await page.keyboard.press('ArrowRight');
    await content.getByRole('tab', { name: 'Text', selected: true }).waitFor();
    expect(await focused(page)).toMatchObject({ text: 'Text' });
    await checkPanel(content);
    await page.keyboard.press('End');
    await content.getByRole('tab', { name: /^Headers/, selected: true }).waitFor();
    expect((await focused(page)).text).toMatch(/^Headers/);
    await page.getByRole('tabpanel', { name: /^Headers/ }).getByText('Message-ID').waitFor();
    await page.keyboard.press('ArrowRight');
    await content.getByRole('tab', { name: 'HTML', selected: true }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await content.getByRole('tab', { name: /^Headers/, selected: true }).waitFor();
    await page.keyboard.press('Home');
    await content.getByRole('tab', { name: 'HTML', selected: true }).waitFor();
    expect(await focused(page)).toMatchObject({ text: 'HTML' });
    // Tab leaves the list for the panel, not the next tab.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('tabpanel');

    // A template's locales: the panel is the shown locale's editor.
    await page.goto('/templates/magic_link');
    const locales = page.getByRole('tablist', { name: 'Locales' });
    await locales.getByRole('tab', { name: 'en', selected: true }).waitFor();
    await checkPanel(locales);
    await locales.getByRole('tab', { name: 'en' }).focus();
    await page.keyboard.press('ArrowRight');
    await locales.getByRole('tab', { name: 'de', selected: true }).waitFor();
    await checkPanel(locales);
    expect(await page.getByRole('tabpanel', { name: 'de' }).count()).toBe(1);

    // A new SMTP credential's framework settings.
    await page.goto('/smtp-relay');
    await page.getByLabel('Name', { exact: true }).fill('a11y-tabs');
    await page.getByLabel('May send as').fill('@example.com');
    await page.getByRole('button', { name: /Create credential/ }).click();
    const frameworks = page.getByRole('tablist', { name: 'Framework' });
    const first = frameworks.getByRole('tab').first();
    await first.focus();
    await page.keyboard.press('ArrowRight');
    const second = frameworks.getByRole('tab').nth(1);
    expect(await second.getAttribute('aria-selected')).toBe('true');
    await checkPanel(frameworks);
    expect(await page.getByRole('tabpanel', { name: (await second.innerText()).trim() }).getByTestId('smtp-snippet').count()).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('a template’s Add locale error is tied to its field and said as it appears', async () => {
    const { page } = s;
    await page.goto('/templates/magic_link');
    const input = page.getByLabel('New locale');
    await input.fill('not a tag');
    await input.press('Enter');
    const error = page.locator('#tpl-new-locale-error');
    await error.waitFor();
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect((await input.getAttribute('aria-describedby'))?.split(' ')).toContain('tpl-new-locale-error');
    // The field's description reads the error.
    expect(await page.getByRole('textbox', { name: 'New locale', description: /not a locale tag/ }).count()).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('Email log: a filter’s result is said politely, the focus left alone, and not at the page’s load', async () => {
    const { page } = s;
    await page.goto('/messages');
    await page.getByRole('heading', { name: 'Email log' }).waitFor();
    const found = page.getByTestId('list-found');
    expect(await found.getAttribute('role')).toBe('status');
    expect(await found.innerText()).toBe('');
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('no-such-subject-anywhere');
    await search.press('Enter');
    await page.getByText('No message matches these filters').first().waitFor();
    await expect.poll(() => found.innerText()).toBe('No message matches these filters.');
    expect(await focused(page)).toMatchObject({ tag: 'INPUT' });
    await search.fill('Tabs');
    await search.press('Enter');
    await expect.poll(() => found.innerText()).toBe('1 message matches these filters.');
    // A refresh of the same filter says nothing new.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
    expect(await found.innerText()).toBe('1 message matches these filters.');
    expect(s.errors).toEqual([]);
  });

  it('Reports: no heading level is skipped after the page’s h1', async () => {
    const { page } = s;
    await page.goto('/reports');
    await page.getByRole('heading', { name: 'Individual reports' }).waitFor();
    const levels = await page.locator('main').evaluate((main) => [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1], `levels ${levels.join(', ')}`).toBeLessThanOrEqual(1);
  });

  it('Profile: with the new passwords differing, Save stays enabled; Enter says Not saved and focuses the second field', async () => {
    const { page } = s;
    await page.goto('/profile');
    const form = page.getByRole('form', { name: 'Your profile' });
    await form.getByLabel('New password', { exact: true }).fill('first-password-1');
    await form.getByLabel('New password, again').fill('other-password-2');
    await form.getByLabel('Current password').fill('whatever-it-is');
    expect(await form.getByRole('button', { name: 'Save' }).isEnabled()).toBe(true);
    await form.getByLabel('Current password').press('Enter');
    await form.getByRole('alert').getByText('the two new passwords differ').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'INPUT', id: 'profile-confirm' });
    expect(await form.locator('#profile-confirm').getAttribute('aria-describedby')).toContain('profile-confirm-error');
    // Typing the same one takes "Not saved" away.
    await form.getByLabel('New password, again').fill('first-password-1');
    await expect.poll(() => form.getByRole('alert').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });
});
