import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * A dry run's result speaks of the rule and event it ran with: once either is edited it is marked
 * as the previous version's (and says to run again) instead of passing for the rule on screen.
 */
const run = chromiumAvailable();

describe.runIf(run)('Dry run after an edit in Chromium', { timeout: 90_000 }, () => {
  let s: AdminSession;

  beforeAll(async () => {
    s = await openAdminSession('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => s?.close());

  it('marks the result as the previous version once the rule or the event changes, and a new run takes the mark away', async () => {
    const { page } = s;
    await fillNewRule(page, { name: 'Access', events: 'access.request.*', addresses: 'audit@example.com' });
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ type: 'access.request.created', data: { requester: 'Ann' }, recipients: {} }));
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor();
    expect(await result.innerText()).toContain('matches');
    const stale = page.getByText('This result is for the previous version');
    expect(await stale.count()).toBe(0);

    // The rule no longer matches this event: the old "matches" must not pass for it.
    await page.getByLabel('Event types').fill('billing.*');
    await stale.waitFor();
    expect(await result.getAttribute('data-stale')).toBe('true');
    await screenshot(page, 'rules-dry-run-stale');

    await page.getByRole('button', { name: 'Run dry run' }).click();
    await expect.poll(() => stale.count()).toBe(0);
    await expect.poll(() => result.innerText()).toContain('no match');
    expect(await result.getAttribute('data-stale')).toBeNull();

    // Editing the event marks it too.
    await page.getByLabel('Event (JSON)').fill(JSON.stringify({ type: 'billing.paid', data: {}, recipients: {} }));
    await stale.waitFor();
    expect(s.errors).toEqual([]);
  });
});
