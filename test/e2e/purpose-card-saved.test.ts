import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * Routing: a purpose card's *Save* and *Undo* show only while the card holds changes, so pressing
 * either took the button away and the keyboard focus fell to the page's start, with nothing said.
 * Now the focus stays in the card (its heading), a save says *Saved.* until the next change, and
 * the card still takes further edits. Screenshots: purpose-card-saved-*.png.
 */
const focusedIn = (page: Page, key: string) =>
  page.evaluate((k) => {
    const active = document.activeElement;
    return { inCard: Boolean(active?.closest(`[data-purpose="${k}"]`)), tag: active?.tagName ?? '' };
  }, key);

describe.runIf(chromiumAvailable())('Routing: a purpose card after Save and Undo', { timeout: 120_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  }, 120_000);
  afterAll(async () => s?.close());

  it('keeps the focus in the card and says Saved. until the next change', async () => {
    const { page } = s;
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/routing');
      const card = page.locator('[data-purpose="report"]');
      const priority = card.getByLabel('Priority (0–100)');
      await priority.waitFor();
      const next = String(Number(await priority.inputValue()) === 15 ? 16 : 15);
      await priority.fill(next);
      await card.getByRole('button', { name: 'Save' }).focus();
      await page.keyboard.press('Enter');
      await card.getByRole('status').getByText('Saved.').waitFor();
      await expect.poll(() => focusedIn(page, 'report')).toMatchObject({ inCard: true });
      expect(await card.getByLabel('Priority (0–100)').inputValue()).toBe(next);
      expect(await page.locator('[data-purpose] [role="alert"]').count()).toBe(0);
      await screenshot(page, `purpose-card-saved-${width}`);
      // The next change takes the note away.
      await card.getByLabel('Priority (0–100)').fill('42');
      await expect.poll(() => card.getByText('Saved.', { exact: true }).count()).toBe(0);

      // Undo: the typed value goes back, the focus stays in the card.
      await card.getByRole('button', { name: 'Undo' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => card.getByLabel('Priority (0–100)').inputValue()).toBe(next);
      await expect.poll(() => focusedIn(page, 'report')).toMatchObject({ inCard: true });
      expect(await card.getByRole('button', { name: 'Undo' }).count()).toBe(0);
    }
    expect(s.errors).toEqual([]);
  });

  it('a refused priority is said at the field once and goes with the edit', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/routing');
    const card = page.locator('[data-purpose="report"]');
    const priority = card.getByLabel('Priority (0–100)');
    await priority.fill('');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => priority.getAttribute('aria-invalid')).toBe('true');
    await priority.fill('20');
    await expect.poll(() => priority.getAttribute('aria-invalid')).toBeNull();
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Saved.', { exact: true }).waitFor();
    expect(s.errors).toEqual([]);
  });
});
