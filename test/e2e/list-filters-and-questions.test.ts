import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, startSink, type AdminSession, type Sink, setUpApi, signedInPageAt } from './harness.js';

/**
 * Lists, their filters and their questions, as a reviewer found them:
 * - Events: the type filter lives in the address bar (Back and reload keep it) and is applied
 *   with Enter or Apply, not at every keystroke (M6);
 * - email log: Apply, Clear and ↻ stay on one row at 1280 px (M9); a refused filter is said once,
 *   at its field, in the form's words and local time (M11); Cancel all names how many and its
 *   other button says what it does (L13);
 * - Suppressions: a listed address is refused in the list's own words and local time, the Until
 *   column says what it means, the form's fields are spaced, and the search is in the address bar (L5).
 */
const LAPTOP = { width: 1280, height: 800 };

describe.runIf(chromiumAvailable())('list filters and questions', { timeout: 120_000 }, () => {
  let s: AdminSession;
  let sink: Sink;
  const api = setUpApi(() => s);
  const pageAt = (viewport: { width: number; height: number }) => signedInPageAt(s, viewport);

  beforeAll(async () => {
    sink = await startSink();
    s = await openAdminSession('sqlite');
    const server = await api('POST', '/servers', { name: 'Sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'app@example.com' });
    // Three messages scheduled for next year: queued, so Cancel all applies to them.
    const later = new Date(Date.now() + 365 * 86_400_000).toISOString();
    for (const n of [1, 2, 3]) await api('POST', '/messages', { accountId: account.id, to: [`later${n}@example.com`], subject: `Later ${n}`, text: 'x', sendAt: later });
    await api('POST', '/events', { type: 'alert.fired', data: {} });
    await api('POST', '/events', { type: 'access.request.created', data: {} });
    await api('POST', '/suppressions', { address: 'gone@example.net' });
    await api('POST', '/suppressions', { address: 'left@example.org' });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await sink?.close();
  });

  it('events: the type filter is applied with Enter, kept in the address bar, and Back brings it back', async () => {
    const { page } = s;
    await page.goto('/events');
    await page.getByRole('row', { name: /alert\.fired/ }).waitFor();
    const type = page.getByLabel('Event type');
    await type.pressSequentially('access.req', { delay: 20 });
    // Nothing asked while typing: the list stays, and no "No event of type" for half a type.
    await page.waitForTimeout(800);
    expect(await page.getByText(/No event of type/).count()).toBe(0);
    expect(await page.getByRole('row', { name: /alert\.fired/ }).count()).toBe(1);
    expect(new URL(page.url()).search).toBe('');
    await type.pressSequentially('uest.created');
    await type.press('Enter');
    await page.waitForURL('**/events?type=access.request.created');
    await expect.poll(() => page.getByRole('row', { name: /alert\.fired/ }).count()).toBe(0);
    await page.getByRole('row', { name: /access\.request\.created/ }).getByRole('link').click();
    await page.waitForURL(/\/events\/[^?]+$/);
    await page.goBack();
    await page.waitForURL('**/events?type=access.request.created');
    expect(await page.getByLabel('Event type').inputValue()).toBe('access.request.created');
    await page.getByRole('row', { name: /access\.request\.created/ }).waitFor();
    expect(await page.getByRole('row', { name: /alert\.fired/ }).count()).toBe(0);
    // A bookmark of the filtered view opens filtered.
    await page.goto('/events?type=alert.fired');
    await page.getByRole('row', { name: /alert\.fired/ }).waitFor();
    expect(await page.getByRole('row', { name: /access\.request/ }).count()).toBe(0);
    expect(await page.getByLabel('Event type').inputValue()).toBe('alert.fired');
    await screenshot(page, 'filters-events-type-in-address');
    expect(s.errors).toEqual([]);
  });

  it('email log at 1280 px: Apply, Clear and ↻ stay on one row', async () => {
    const { page, context, errors } = await pageAt(LAPTOP);
    await page.goto('/messages?status=queued');
    await page.getByRole('row', { name: /Later 1/ }).waitFor();
    const form = page.getByRole('search', { name: 'Filter messages' });
    const tops = await Promise.all(['Apply', 'Clear', 'Refresh'].map((name) => form.getByRole('button', { name, exact: true }).evaluate((el) => Math.round(el.getBoundingClientRect().top))));
    await screenshot(page, 'filters-log-actions-1280');
    expect(new Set(tops).size, `tops ${tops.join(', ')}`).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the changed lists fit a phone (375 px) and a laptop (1280 px): no sideways scrolling', async () => {
    for (const [name, viewport] of [
      ['375', { width: 375, height: 800 }],
      ['1280', LAPTOP],
    ] as const) {
      const { page, context, errors } = await pageAt(viewport);
      for (const [path, ready, shot] of [
        ['/events?type=alert.fired', /alert\.fired/, 'events'],
        ['/messages?since=2026-12-07T10%3A00&until=2026-12-01T10%3A00', null, 'log-refused-range'],
        ['/suppressions?q=example', /gone@example\.net/, 'suppressions'],
      ] as const) {
        await page.goto(path);
        if (ready) await page.getByRole('row', { name: ready }).first().waitFor();
        else await page.locator('#filter-until-error').waitFor();
        await screenshot(page, `filters-${shot}-${name}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${path} at ${name}`).toBeLessThanOrEqual(0);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it('email log: a refused filter is said once, at its field, in the form’s words and local time', async () => {
    const { page } = s;
    await page.goto('/messages');
    await page.getByRole('row', { name: /Later 1/ }).waitFor();
    const form = page.getByRole('search', { name: 'Filter messages' });
    await form.getByLabel('From').fill('2026-12-07T10:00');
    await form.getByLabel('Until').fill('2026-12-01T10:00');
    await form.getByRole('button', { name: 'Apply' }).click();
    const until = form.getByLabel('Until');
    await expect.poll(() => until.getAttribute('aria-invalid')).toBe('true');
    const said = (await page.getByText(/must be after/).allTextContents()).join(' | ');
    await screenshot(page, 'filters-log-reversed-range');
    expect(said).toMatch(/^“Until” \(.+\) must be after “From” \(.+\)\.$/);
    expect(said).not.toMatch(/since|until:|\d{4}-\d\d-\d\dT/);
    // The time as the admin typed it, in their own time zone: 10:00 AM on December 7.
    expect(said).toMatch(/Dec(ember)? 0?7, 2026,? 10:00/);
    expect(await page.getByText(/must be after/).count()).toBe(1);
    // Editing the field takes the refusal away.
    await until.fill('2026-12-09T10:00');
    await expect.poll(() => page.getByText(/must be after/).count()).toBe(0);

    await page.goto('/messages?recipient=ann');
    const recipient = form.getByLabel('Recipient');
    await expect.poll(() => recipient.getAttribute('aria-invalid')).toBe('true');
    const body = await page.locator('main').innerText();
    expect(body).toContain('"ann" is not accepted');
    expect(body).not.toContain('recipient:');
    expect(await page.getByText('"ann" is not accepted').count()).toBe(1);
    await screenshot(page, 'filters-log-partial-recipient');
    expect(s.errors).toEqual([]);
  });

  it('email log: Cancel all says how many it cancels, and the way out says it keeps them', async () => {
    const { page } = s;
    await page.goto('/messages?status=queued');
    await page.getByRole('row', { name: /Later 3/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel all' }).click();
    const question = page.getByRole('group', { name: /^Cancel the 3 queued messages/ });
    await question.waitFor();
    expect(await page.locator('.confirm-q').textContent()).toBe('Cancel the 3 queued messages that match?');
    expect(await question.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
    await screenshot(page, 'filters-log-cancel-all-question');
    await question.getByRole('button', { name: 'Keep them' }).click();
    await page.getByRole('button', { name: 'Cancel all' }).waitFor();
    const queued = ((await api('GET', '/messages?status=queued')).items as unknown[]).length;
    expect(queued).toBe(3);
    expect(s.errors).toEqual([]);
  });

  it('suppressions: a listed address is refused in the list’s words, the search is in the address bar', async () => {
    const { page } = s;
    await page.goto('/suppressions');
    const row = page.getByRole('row', { name: /gone@example\.net/ });
    await row.waitFor();
    // "Until: until removed" said nothing the heading had not.
    expect(await row.innerText()).not.toContain('until removed');

    const form = page.getByRole('form', { name: 'Suppress an address' });
    await form.getByLabel('Address').fill('gone@example.net');
    await form.getByRole('button', { name: 'Suppress' }).click();
    // At the Address field, once.
    const refusal = form.locator('#supp-address-error');
    await refusal.waitFor();
    expect(await page.getByText('is on the suppression list already').count()).toBe(1);
    const text = await refusal.innerText();
    const since = (await row.locator('td').nth(3).innerText()).trim();
    expect(text).toContain('added by hand');
    expect(text).toContain(since);
    expect(text).not.toMatch(/manual|UTC/);
    // The form's fields are spaced like every other form's.
    // The second field (its label and input) keeps clear of the first input, below it or beside it.
    const gap = await form.evaluate((el) => {
      const [a, b] = [...el.querySelectorAll('input')].map((i) => (i.closest('.field, label') ?? i).getBoundingClientRect());
      return Math.max(b.top - a.bottom, b.left - a.right);
    });
    expect(gap).toBeGreaterThanOrEqual(8);
    await screenshot(page, 'filters-suppressions-duplicate');

    await page.getByLabel('Address contains').fill('example.org');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/suppressions?q=example.org');
    await expect.poll(() => page.getByRole('row', { name: /gone@example\.net/ }).count()).toBe(0);
    await page.reload();
    await page.getByRole('row', { name: /left@example\.org/ }).waitFor();
    expect(await page.getByLabel('Address contains').inputValue()).toBe('example.org');
    expect(await page.getByRole('row', { name: /gone@example\.net/ }).count()).toBe(0);
    await page.goBack();
    await page.waitForURL(/\/suppressions$/);
    await page.getByRole('row', { name: /gone@example\.net/ }).waitFor();
    expect(await page.getByLabel('Address contains').inputValue()).toBe('');
    expect(s.errors).toEqual([]);
  });
});
