import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { processesRepository } from '../../src/store/repositories/processes.repository.js';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * The Settings page's Processes card: this process alive and marked, and a killed one (its row
 * last seen two minutes ago, as a `kill -9` leaves it) shown as gone with when it was last seen,
 * not hidden.
 */
describe.runIf(chromiumAvailable())('the Processes card on the Settings page', { timeout: 60_000 }, () => {
  let s: AdminSession;
  const killed = newId('proc');
  const logging = newId('proc');

  beforeAll(async () => {
    s = await openAdminSession('sqlite');
    const now = Date.now();
    await processesRepository(s.live.t.app.infra.db).beat({ id: killed, role: 'worker', hostname: 'worker-2.example.net', pid: 31337, version: '0.1.0', mailDriver: 'smtp', runs: ['delivery', 'webhooks', 'inbound', 'retention'], startedAt: now - 3_600_000, lastSeenAt: now - 120_000 });
    await processesRepository(s.live.t.app.infra.db).beat({ id: logging, role: 'worker', hostname: 'dev.example.net', pid: 4242, version: '0.1.0', mailDriver: 'log', runs: ['delivery'], startedAt: now - 7_200_000, lastSeenAt: now - 600_000 });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('lists the processes, alive and gone', async () => {
    const { page, errors } = s;
    await page.goto('/settings');
    const card = page.getByTestId('processes');
    await card.getByRole('heading', { name: 'Processes' }).waitFor();
    const self = card.locator(`[data-process="${s.live.t.app.ports.processId}"]`);
    await expect.poll(() => self.getAttribute('data-alive')).toBe('true');
    expect(await self.textContent()).toMatch(/this one/);
    expect(await self.textContent()).toMatch(/mailroom start/);
    const gone = card.locator(`[data-process="${killed}"]`);
    expect(await gone.getAttribute('data-alive')).toBe('false');
    expect(await gone.textContent()).toMatch(/worker-2\.example\.net · pid 31337/);
    expect(await gone.textContent()).toMatch(/mailroom worker/);
    expect(await gone.textContent()).toMatch(/gone.*last seen/);
    expect(await gone.textContent()).not.toMatch(/log driver/);
    // A process on the log driver says that what it delivers is only logged.
    expect(await card.locator(`[data-process="${logging}"]`).textContent()).toMatch(/delivery · log driver: no mail is sent/);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-processes');
    expect(errors).toEqual([]);
  });
});
