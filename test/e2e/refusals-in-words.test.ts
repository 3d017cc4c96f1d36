import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';
import { fillNewRule } from './rule-form.js';

/**
 * A refusal about something the form shows no field for is said in the form's words, not with
 * the API's field path: a rule whose account was deleted meanwhile, individual reports at their
 * limit (where *Add a report* stops offering a row the API would refuse).
 */
const run = chromiumAvailable();

describe.runIf(run)('Refusals in words in Chromium', { timeout: 120_000 }, () => {
  let s: AdminSession;
  const api = async (method: string, url: string, payload?: unknown) => {
    const res = await s.live.t.request({ method: method as 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown> });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? null : res.json();
  };

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
  });
  afterAll(async () => s?.close());

  it('a rule whose account was deleted meanwhile: said at Send from, by the address', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'gone-soon@example.com' });
    await fillNewRule(page, { name: 'Access', events: 'access.request.*', addresses: 'audit@example.com' });
    await page.getByLabel('Send from').selectOption(account.id);
    await api('DELETE', `/accounts/${account.id}`);
    await page.getByRole('button', { name: 'Create rule' }).click();
    const said = page.locator('#rule-account-err');
    await expect.poll(() => said.innerText().catch(() => '')).toContain('gone-soon@example.com');
    const main = await page.locator('main').innerText();
    expect(main).not.toContain('accountId');
    expect(main).not.toContain(account.id);
    expect(await page.getByLabel('Send from').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'rule-account-gone');
  });

  it('individual reports at their limit: no row beyond it, and the refusal said in words', async () => {
    const { page } = s;
    const server = await api('POST', '/servers', { name: 'Reports relay', smtp: { host: 'smtp.example.org', port: 587, security: 'starttls' } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'reports@example.org' });
    const overrides = Array.from({ length: 100 }, (_, i) => ({ report: `report-${i + 1}`, accountId: account.id }));
    await api('PATCH', '/settings', { reports: { overrides } });
    await page.goto('/reports');
    await page.getByLabel('Report 100', { exact: true }).waitFor();
    const add = page.getByRole('button', { name: 'Add a report' });
    expect(await add.isDisabled()).toBe(true);
    await page.getByText('At most 100 individual reports').waitFor();
    expect(await page.locator('main').innerText()).not.toContain('reports.overrides');
    expect(s.errors).toEqual([]);
  });
});
