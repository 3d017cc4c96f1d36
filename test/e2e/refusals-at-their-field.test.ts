import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../helpers/test-app.js';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, type AdminSession } from './harness.js';

/**
 * A refusal is said once, beside the field it is about, in the form's words (never the API's
 * path, `retention.days:` or `key:`), with that field marked; it goes as soon as the field is
 * edited. Checked where it was not so: the settings cards (Defaults, Soft bounces, Email log
 * retention), a new custom purpose, your profile's new password and a webhook endpoint's
 * *Replay failed deliveries*. Screenshots: at-field-*.png.
 */
describe.runIf(chromiumAvailable())('refusals at their field', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    await s.page.setViewportSize({ width: 1280, height: 900 });
  }, 120_000);
  afterAll(async () => s?.close());

  /** The page as it is, at laptop and phone width. */
  async function atBothWidths(name: string) {
    await screenshot(s.page, `${name}-1280`);
    await s.page.setViewportSize({ width: 375, height: 900 });
    await screenshot(s.page, `${name}-375`);
    await s.page.setViewportSize({ width: 1280, height: 900 });
  }

  /** The refusal at `field`: its text, whether the field is marked, and no box repeating it. */
  async function refusedAt(region: Locator, field: Locator, words: RegExp | string) {
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const described = (await field.getAttribute('aria-describedby')) ?? '';
    const message = region.locator('.field-error');
    await expect.poll(() => message.count()).toBe(1);
    const text = await message.innerText();
    if (typeof words === 'string') expect(text).toContain(words);
    else expect(text).toMatch(words);
    expect(described.split(' ')).toContain(await message.getAttribute('id'));
    // Once: no "Not saved" box under the form saying it again, and no API path anywhere.
    expect(await region.getByRole('alert').count()).toBe(0);
    expect(await region.innerText()).not.toMatch(/\b(retention\.days|softBounces\.count|globalCc|key|newPassword|until|since)(\[\d+\])?:/);
  }
  async function clearedAt(region: Locator, field: Locator) {
    await expect.poll(() => region.locator('.field-error').count()).toBe(0);
    expect(await field.getAttribute('aria-invalid')).not.toBe('true');
    expect(await region.getByRole('alert').count()).toBe(0);
  }

  it('Settings: retention, soft bounces and the global CC are refused at their fields', async () => {
    const { page } = s;
    await page.goto('/settings');
    const retention = page.getByRole('region', { name: 'Email log retention' });
    await retention.getByLabel('For a number of days').check();
    const days = retention.getByLabel('Days after the last change');
    await days.fill('3');
    await retention.getByRole('button', { name: 'Save retention' }).click();
    await refusedAt(retention, days, 'must be at least 7 (it is 3)');
    await atBothWidths('at-field-01-retention');
    await days.fill('30');
    await clearedAt(retention, days);

    const bounces = page.getByRole('region', { name: 'Soft bounces' });
    const count = bounces.getByLabel('Suppress at soft bounce number');
    await count.fill('0');
    await bounces.getByRole('button', { name: 'Save soft bounces' }).click();
    await refusedAt(bounces, count, 'must be at least 1 (it is 0)');
    await atBothWidths('at-field-06-soft-bounces');
    await count.fill('4');
    await clearedAt(bounces, count);

    const defaults = page.getByRole('region', { name: 'Defaults' });
    const cc = defaults.getByLabel('Global CC');
    await cc.fill('not-an-address');
    await defaults.getByRole('button', { name: 'Save defaults' }).click();
    await refusedAt(defaults, cc, /not-an-address/);
    await atBothWidths('at-field-02-global-cc');
    await cc.fill('copies@example.com');
    await clearedAt(defaults, cc);
    await defaults.getByRole('button', { name: 'Save defaults' }).click();
    await defaults.getByText('Saved.', { exact: true }).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('Routing: a purpose key that is not one is refused at Purpose key', async () => {
    const { page } = s;
    await page.goto('/routing');
    const form = page.getByRole('form', { name: 'Add a custom purpose' });
    const key = form.getByLabel('Purpose key');
    await key.fill('Weekly Digest');
    await form.getByRole('button', { name: 'Add purpose' }).click();
    await refusedAt(form, key, /2–64|lower-case|letters/i);
    await atBothWidths('at-field-03-purpose-key');
    await key.fill('weekly_digest');
    await clearedAt(form, key);
    await form.getByRole('button', { name: 'Add purpose' }).click();
    await page.locator('[data-purpose="weekly_digest"]').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('Your profile: a short new password is refused at the field until it is edited', async () => {
    const { page } = s;
    await page.goto('/profile');
    const form = page.getByRole('form', { name: 'Your profile' });
    const next = form.getByLabel('New password', { exact: true });
    await next.fill('short');
    await form.getByLabel('New password, again').fill('short');
    await form.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await form.getByRole('button', { name: 'Save' }).click();
    await refusedAt(form, next, 'at least 10');
    await atBothWidths('at-field-05-profile-password');
    await next.fill('NewPassword123!');
    // The refusal of the new password goes (that the two now differ is said at the second field).
    await expect.poll(() => form.locator('#profile-new-error').count()).toBe(0);
    expect(await next.getAttribute('aria-invalid')).not.toBe('true');
    expect(await form.getByRole('alert').count()).toBe(0);
    await form.getByLabel('New password, again').fill('NewPassword123!');
    await clearedAt(form, next);
    expect(s.errors).toEqual([]);
  });

  it('Webhooks: a replay range that ends before it starts is said in the Replay card, at Until', async () => {
    const { page } = s;
    const endpoint = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/mailroom', events: ['message.sent'] });
    await page.goto(`/webhooks/${endpoint.id}`);
    const card = page.getByRole('form', { name: 'Replay failed deliveries' });
    const since = card.getByLabel('From');
    const until = card.getByLabel('Until (empty: now)');
    await since.fill('2026-03-05T10:00');
    await until.fill('2026-03-01T10:00');
    await card.getByRole('button', { name: 'Replay failed deliveries' }).click();
    await refusedAt(card, until, '“Until” must be after “From”.');
    // Not above the delivery log, away from the fields.
    expect(await page.getByText('Not replayed').count()).toBe(0);
    await atBothWidths('at-field-04-webhook-replay-range');
    await until.fill('2026-03-06T10:00');
    await clearedAt(card, until);
    expect(s.errors).toEqual([]);
  });
});
