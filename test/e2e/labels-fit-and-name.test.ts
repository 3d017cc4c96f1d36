import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * Small things that read wrong: *admin — everything* broke under its checkbox on *API keys* while
 * *send* and *read* kept theirs on one line; a webhook endpoint's page was titled just "Webhook
 * endpoint"; on *Secrets → Add a provider* a placeholder was cut off and hints only repeated the
 * placeholder above them. Screenshots at 1280 and 375 px: fit-*.png.
 */
const WIDTHS = [1280, 375];

/** Every text input of `form` whose placeholder does not fit the room the field has for text. */
const cutPlaceholders = (page: Page, form: string) =>
  page.locator(form).evaluate((f) =>
    [...f.querySelectorAll<HTMLInputElement>('input[placeholder]')]
      .map((el) => {
        const style = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return { id: el.id, placeholder: el.placeholder, width: Math.ceil(ctx.measureText(el.placeholder).width), room };
      })
      .filter((x) => x.width > x.room),
  );

/** Every hint under a field of `form` that only says what the field's placeholder says. */
const echoedHints = (page: Page, form: string) =>
  page.locator(form).evaluate((f) =>
    [...f.querySelectorAll<HTMLInputElement>('input[placeholder], textarea[placeholder]')]
      .map((el) => ({ id: el.id, placeholder: el.placeholder, hint: document.getElementById(`${el.id}-hint`)?.textContent?.trim() ?? '' }))
      .filter((x) => x.hint && (x.hint === x.placeholder || x.hint.startsWith(x.placeholder) || x.placeholder.startsWith(x.hint))),
  );

describe.runIf(chromiumAvailable())('labels that fit and pages that say what they are', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  }, 120_000);
  afterAll(async () => s?.close());

  it('API keys: each scope keeps its explanation on its line', async () => {
    const { page } = s;
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/api-keys');
      const scopes = page.getByRole('group', { name: 'Scopes' });
      await scopes.waitFor();
      for (const scope of ['send', 'read', 'admin']) {
        const box = scope === 'send' ? scopes.getByRole('checkbox').nth(0) : scope === 'read' ? scopes.getByRole('checkbox').nth(1) : scopes.getByRole('checkbox').nth(2);
        const help = scopes.locator('label').nth(['send', 'read', 'admin'].indexOf(scope)).locator('.muted');
        const [b, h] = [await box.boundingBox(), await help.boundingBox()];
        // The explanation starts on the checkbox's line, right of it: not under it.
        expect(h!.y, `${scope} at ${width} px`).toBeLessThan(b!.y + b!.height);
        expect(h!.x, `${scope} at ${width} px`).toBeGreaterThan(b!.x + b!.width);
      }
      await screenshot(page, `fit-01-api-key-scopes-${width}`);
    }
    expect(s.errors).toEqual([]);
  });

  it('Webhooks: an endpoint’s page is titled by its description, or its address when it has none', async () => {
    const { page } = s;
    const bare = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/mailroom/events?token=abc', events: ['message.sent'] });
    const named = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/crm', description: 'CRM sync', events: ['message.sent'] });
    const long = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/integrations/mailroom-delivery-notifications/production', events: ['message.sent'] });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`/webhooks/${bare.id}`);
      const h1 = page.getByRole('heading', { level: 1 });
      await expect.poll(() => h1.innerText()).toBe('127.0.0.1:9/mailroom/events');
      await screenshot(page, `fit-02-webhook-title-${width}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // A long address wraps inside the page instead of pushing it sideways on a phone.
      await page.goto(`/webhooks/${long.id}`);
      await expect.poll(() => h1.innerText()).toContain('mailroom-delivery-notifications');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.goto(`/webhooks/${named.id}`);
      await expect.poll(() => h1.innerText()).toBe('CRM sync');
    }
    expect(s.errors).toEqual([]);
  });

  it('Secrets: every placeholder of Add a provider fits, and no hint only repeats it', async () => {
    const { page } = s;
    const form = 'form[aria-label="New secret provider"]';
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/secrets');
      await page.locator(form).waitFor();
      for (const kind of ['azure-keyvault', 'cyberark', 'vault']) {
        await page.locator('#spv-kind').selectOption(kind);
        if (kind === 'vault') await page.locator('#spv-auth').selectOption('approle');
        expect(await cutPlaceholders(page, form), `${kind} at ${width} px`).toEqual([]);
        expect(await echoedHints(page, form), `${kind} at ${width} px`).toEqual([]);
        if (kind === 'azure-keyvault') await screenshot(page, `fit-03-secret-provider-azure-${width}`);
        if (kind === 'vault') await screenshot(page, `fit-04-secret-provider-vault-${width}`);
      }
    }
    expect(s.errors).toEqual([]);
  });
});
