import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, type AdminSession } from './harness.js';

/**
 * Where the keyboard focus goes once a thing it was on disappears: *Done* under a credential shown
 * once sends it to that item's row in the list, *Remove report N* to *Add a report*; before, it
 * fell to the page's start and a keyboard or screen-reader user had to find their place again.
 */
const run = chromiumAvailable();

/** The focused element: its tag and text (a row's text names its item). */
const focused = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: (document.activeElement as HTMLElement | null)?.innerText ?? '' }));

describe.runIf(run)('Focus after Done and Remove in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
  });
  afterAll(async () => s?.close());

  it('API keys: Done sends the focus to the new key’s row', async () => {
    const { page } = s;
    await page.goto('/api-keys');
    await page.getByLabel('Name', { exact: true }).fill('focus-app');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-api-key').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('focus-app') });
  });

  it('SMTP relay: Done sends the focus to the new credential’s row', async () => {
    const { page } = s;
    await page.goto('/smtp-relay');
    await page.getByLabel('Name', { exact: true }).fill('focus-relay');
    await page.getByLabel('May send as').fill('@example.com');
    await page.getByRole('button', { name: /Create credential/ }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TR', text: expect.stringContaining('focus-relay') });
  });

  it('Reports: Remove report sends the focus to Add a report', async () => {
    const { page } = s;
    await page.goto('/reports');
    const add = page.getByRole('button', { name: 'Add a report' });
    await add.click();
    await add.click();
    await page.getByRole('button', { name: 'Remove report 1' }).click();
    await expect.poll(() => focused(page)).toEqual({ tag: 'BUTTON', text: 'Add a report' });
    expect(s.errors).toEqual([]);
  });
});
