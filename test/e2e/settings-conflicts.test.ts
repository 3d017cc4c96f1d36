import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, setUpApi, signedInPageAt, type AdminSession } from './harness.js';

/**
 * A settings page open in two tabs of the same admin: what one tab saved is not overwritten by the
 * other tab, which loaded before. Its save is refused and said in the page's words (never the
 * API's "versions.reports" or "was changed … after you read it"); *Load the saved version* shows
 * what the other tab saved, and the change made again on it is saved. On /reports (an individual
 * report added in one tab, the subject changed in the other) and on /settings (the soft-bounce and
 * retention cards); and a second save from the same tab is not refused as a conflict with itself.
 * Screenshots: settings-conflicts-*.png.
 */
describe.runIf(chromiumAvailable())('settings saved in another tab', { timeout: 180_000 }, () => {
  let s: AdminSession;
  let accountId: string;
  const api = setUpApi(() => s);

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    const serverId = (await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } })).id;
    accountId = (await api('POST', '/accounts', { serverId, address: 'reports@example.com' })).id;
  }, 180_000);
  afterAll(async () => s?.close());

  /** A second tab of the signed-in admin at `path`, closed by the test. */
  const otherTab = async (path: string) => {
    const tab = await signedInPageAt(s, { width: 1366, height: 900 });
    await tab.page.goto(path);
    return tab;
  };

  /** The conflict said in the page's words, naming `what`, and none of the API's. */
  const conflictSaid = async (page: Page, what: string) => {
    const box = page.getByTestId('version-conflict');
    await box.waitFor();
    const said = (await box.textContent()) ?? '';
    expect(said).toContain(`Not saved: someone else changed ${what} after you opened it.`);
    expect(said).not.toMatch(/versions\.|version \d|after you read it/);
    expect(await page.getByText('after you read it').count()).toBe(0);
    expect(await page.getByText(/versions\./).count()).toBe(0);
  };

  it('Reports: the subject saved in a tab opened before keeps the individual report the other tab added', async () => {
    const a = s.page;
    const b = await otherTab('/reports');
    try {
      await a.goto('/reports');
      const subjectA = a.getByLabel('Subject', { exact: true });
      const subjectB = b.page.getByLabel('Subject', { exact: true });
      await subjectA.waitFor();
      await subjectB.waitFor();
      const subjectBefore = await subjectB.inputValue();

      // Tab A adds an individual report and saves.
      await a.getByRole('button', { name: 'Add a report' }).click();
      await a.getByLabel('Report 1', { exact: true }).fill('monthly-sales');
      await a.getByLabel('Report 1 account', { exact: true }).selectOption(accountId);
      await a.getByRole('button', { name: 'Save', exact: true }).click();
      await a.getByText('Saved.', { exact: true }).waitFor();
      await expect.poll(async () => ((await api('GET', '/settings')).reports as { value: { overrides: unknown[] } }).value.overrides).toEqual([{ report: 'monthly-sales', serverId: null, accountId }]);

      // Tab B, loaded before, changes the subject and saves: refused, A's report kept.
      await subjectB.fill('Your report {name} is ready');
      await b.page.getByRole('button', { name: 'Save', exact: true }).click();
      await conflictSaid(b.page, 'the report mail settings');
      // No "Not saved" box repeating it in the API's words, no "Saved.".
      expect(await b.page.getByText('Not saved', { exact: true }).count()).toBe(0);
      expect(await b.page.getByText('Saved.', { exact: true }).count()).toBe(0);
      await screenshot(b.page, 'settings-conflicts-01-reports-refused');
      const stored = ((await api('GET', '/settings')).reports as { value: { subject: string; overrides: unknown[] } }).value;
      expect(stored.overrides).toEqual([{ report: 'monthly-sales', serverId: null, accountId }]);
      expect(stored.subject).toBe(subjectBefore);

      // Load the saved version (B typed something: asked first): A's report shows in B.
      await b.page.getByTestId('version-conflict').getByRole('button', { name: 'Load the saved version' }).click();
      await b.page.getByRole('button', { name: 'Yes, load the saved version' }).click();
      await b.page.getByTestId('version-loaded').waitFor();
      expect(await b.page.getByTestId('version-loaded').textContent()).toContain('The saved version of the report mail settings is loaded');
      expect(await b.page.getByLabel('Report 1', { exact: true }).inputValue()).toBe('monthly-sales');
      // The accounts list loads again with the form: the choice shows once it is there.
      await expect.poll(() => b.page.getByLabel('Report 1 account', { exact: true }).inputValue()).toBe(accountId);
      expect(await b.page.getByLabel('Subject', { exact: true }).inputValue()).toBe(subjectBefore);
      await screenshot(b.page, 'settings-conflicts-02-reports-loaded');

      // B's change made again on the saved version is saved, A's report with it.
      await b.page.getByLabel('Subject', { exact: true }).fill('Your report {name} is ready');
      await b.page.getByRole('button', { name: 'Save', exact: true }).click();
      await b.page.getByText('Saved.', { exact: true }).waitFor();
      const after = ((await api('GET', '/settings')).reports as { value: { subject: string; overrides: unknown[] } }).value;
      expect(after.subject).toBe('Your report {name} is ready');
      expect(after.overrides).toEqual([{ report: 'monthly-sales', serverId: null, accountId }]);
      expect(await b.page.getByTestId('version-conflict').count()).toBe(0);

      // A second save from the same tab carries the version its first save made: not refused.
      await b.page.getByLabel('Subject', { exact: true }).fill('Report {name}: ready');
      await b.page.getByRole('button', { name: 'Save', exact: true }).click();
      await b.page.getByText('Saved.', { exact: true }).waitFor();
      expect(await b.page.getByTestId('version-conflict').count()).toBe(0);
      expect(((await api('GET', '/settings')).reports as { value: { subject: string } }).value.subject).toBe('Report {name}: ready');
      await screenshot(b.page, 'settings-conflicts-03-reports-saved-again');
      expect(b.errors).toEqual([]);
      expect(s.errors).toEqual([]);
    } finally {
      await b.context.close();
    }
  });

  it('Settings: a card saved in a tab opened before is refused, the other tab’s change kept', async () => {
    const a = s.page;
    const b = await otherTab('/settings');
    try {
      await a.goto('/settings');
      const cardA = a.getByRole('region', { name: 'Soft bounces' });
      const cardB = b.page.getByRole('region', { name: 'Soft bounces' });
      await cardA.getByLabel('Within (days)').waitFor();
      await cardB.getByLabel('Within (days)').waitFor();

      // Tab A: soft bounces suppress at the 5th; saved.
      await cardA.getByLabel('Suppress at soft bounce number').fill('5');
      await cardA.getByRole('button', { name: 'Save soft bounces' }).click();
      await cardA.getByText('Saved: applies from the next bounce.').waitFor();

      // Tab B, loaded before: a 14-day window, refused; A's count kept.
      await cardB.getByLabel('Within (days)').fill('14');
      await cardB.getByRole('button', { name: 'Save soft bounces' }).click();
      await conflictSaid(b.page, 'the soft-bounce settings');
      expect(await cardB.getByText('Not saved', { exact: true }).count()).toBe(0);
      await cardB.scrollIntoViewIfNeeded();
      await screenshot(b.page, 'settings-conflicts-04-soft-bounces-refused');
      expect((await api('GET', '/settings')).softBounces).toMatchObject({ value: { count: 5, windowDays: 7 } });

      // Loaded: B shows A's count; its window typed again is saved with it.
      await cardB.getByRole('button', { name: 'Load the saved version' }).click();
      await b.page.getByRole('button', { name: 'Yes, load the saved version' }).click();
      await cardB.getByTestId('version-loaded').waitFor();
      expect(await cardB.getByLabel('Suppress at soft bounce number').inputValue()).toBe('5');
      expect(await cardB.getByLabel('Within (days)').inputValue()).toBe('7');
      // The table above the cards shows what is stored too.
      await expect.poll(() => b.page.locator('tr[data-setting="softBounces"]').innerText()).toContain('Suppressed at the 5th soft bounce within 7 days');
      await cardB.getByLabel('Within (days)').fill('14');
      await cardB.getByRole('button', { name: 'Save soft bounces' }).click();
      await cardB.getByText('Saved: applies from the next bounce.').waitFor();
      expect((await api('GET', '/settings')).softBounces).toMatchObject({ value: { count: 5, windowDays: 14 } });

      // Retention: A keeps 30 days; B, still on what it loaded, chooses 90 and is refused; nothing of the other cards is touched.
      const retA = a.getByRole('region', { name: 'Email log retention' });
      const retB = b.page.getByRole('region', { name: 'Email log retention' });
      await retA.getByText('For a number of days').click();
      await retA.getByLabel('Days after the last change').fill('30');
      await retA.getByRole('button', { name: 'Save retention' }).click();
      await retA.getByText('Saved: applies within 10 minutes.').waitFor();
      await retB.getByText('For a number of days').click();
      await retB.getByLabel('Days after the last change').fill('90');
      await retB.getByRole('button', { name: 'Save retention' }).click();
      await conflictSaid(b.page, 'the email log retention');
      await retB.scrollIntoViewIfNeeded();
      await screenshot(b.page, 'settings-conflicts-05-retention-refused');
      expect((await api('GET', '/settings')).retention).toMatchObject({ value: { days: 30 } });
      // The soft-bounce card saved just before in B is not refused nor touched.
      expect(await cardB.getByTestId('version-conflict').count()).toBe(0);

      // A's soft-bounce card still shows the 7 days it read before B saved 14: saved again, it is refused too, and B's 14 stands.
      await cardA.getByRole('button', { name: 'Save soft bounces' }).click();
      await cardA.getByTestId('version-conflict').waitFor();
      expect((await api('GET', '/settings')).softBounces).toMatchObject({ value: { count: 5, windowDays: 14 } });
      expect(b.errors).toEqual([]);
      expect(s.errors).toEqual([]);
    } finally {
      await b.context.close();
    }
  });

  it('Settings: saving one card twice from the same tab is not refused', async () => {
    const page = s.page;
    await page.goto('/settings');
    const card = page.getByRole('region', { name: 'Soft bounces' });
    await card.getByLabel('Suppress at soft bounce number').waitFor();
    await card.getByLabel('Suppress at soft bounce number').fill('4');
    await card.getByRole('button', { name: 'Save soft bounces' }).click();
    await card.getByText('Saved: applies from the next bounce.').waitFor();
    await card.getByLabel('Suppress at soft bounce number').fill('6');
    await card.getByRole('button', { name: 'Save soft bounces' }).click();
    await card.getByText('Saved: applies from the next bounce.').waitFor();
    expect(await card.getByTestId('version-conflict').count()).toBe(0);
    expect((await api('GET', '/settings')).softBounces).toMatchObject({ value: { count: 6 } });
    // The defaults card too: its global CC twice.
    const defaults = page.getByRole('region', { name: 'Defaults' });
    await defaults.getByLabel('Global CC').fill('copy@example.com');
    await defaults.getByRole('button', { name: 'Save defaults' }).click();
    await defaults.getByText('Saved.', { exact: true }).waitFor();
    await defaults.getByLabel('Global CC').fill('copy@example.com, audit@example.com');
    await defaults.getByRole('button', { name: 'Save defaults' }).click();
    await defaults.getByText('Saved.', { exact: true }).waitFor();
    expect(await defaults.getByTestId('version-conflict').count()).toBe(0);
    expect((await api('GET', '/settings')).globalCc).toMatchObject({ value: ['copy@example.com', 'audit@example.com'] });
    expect(s.errors).toEqual([]);
  });
});
