import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, newPage, openAdminSession, screenshot, login, type AdminSession } from './harness.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../helpers/test-app.js';

/**
 * Selects show their whole choice at a laptop's 1280 px and on a phone: the contact auto-reply's
 * *Send from* (an account's address, or "the contact_autoreply purpose's account") and the rule
 * editor's operator ("matches the regular expression") were cut off mid-word, and so was the
 * account form's *Password input type* ("OAuth2 (Microsoft 365, Google)") at 1366 px, where the
 * form grid has its narrowest columns.
 */
const run = chromiumAvailable();
const LONG_ADDRESS = 'customer-service-notifications@support.example-company.com';

/** The widest option's text, measured in the select's own font, against the room the select gives it (less its arrow). */
async function cutOptions(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluate((el) => {
    const select = el as HTMLSelectElement;
    const style = getComputedStyle(select);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    return [...select.options].filter((o) => ctx.measureText(o.text).width > room).map((o) => `${o.text} (${Math.round(ctx.measureText(o.text).width)} px > ${Math.round(room)} px)`);
  });
}

describe.runIf(run)('Selects that fit in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let accountId: string;

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    const post = async (url: string, payload: Record<string, unknown>) => {
      const res = await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    const server = await post('/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    accountId = (await post('/accounts', { serverId: server.id, address: LONG_ADDRESS })).id;
  });
  afterAll(async () => s?.close());

  for (const [name, viewport] of [
    ['laptop', { width: 1280, height: 800 }],
    ['wide laptop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`shows every choice whole on a ${name} (${viewport.width} px)`, async () => {
      const { page, context } = await newPage(s.browser, s.live.baseUrl, viewport);
      try {
        await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
        await page.goto('/contact-auto-reply');
        await page.locator('#car-account option', { hasText: LONG_ADDRESS }).waitFor({ state: 'attached' });
        await screenshot(page, `select-widths-auto-reply-${name.replace(' ', '-')}`);
        // No phone shows a 58-character address in one line: there the select takes the whole width and the phone's picker shows it.
        const cut = await cutOptions(page, '#car-account');
        expect.soft(name === 'phone' ? cut.filter((o) => !o.startsWith(LONG_ADDRESS)) : cut).toEqual([]);

        await page.goto('/rules/new');
        await page.getByRole('button', { name: 'Add condition' }).click();
        await page.getByLabel('Condition 1 operator').selectOption('matches');
        await screenshot(page, `select-widths-rule-${name.replace(' ', '-')}`);
        expect.soft(await cutOptions(page, '[aria-label="Condition 1 operator"]')).toEqual([]);

        await page.goto(`/accounts/${accountId}`);
        await page.getByLabel('Password input type').selectOption('oauth2');
        await screenshot(page, `select-widths-account-input-type-${name.replace(' ', '-')}`);
        expect.soft(await cutOptions(page, `#acc-${accountId}-pwtype`)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
