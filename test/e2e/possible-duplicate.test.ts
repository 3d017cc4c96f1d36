import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { chromiumAvailable, openAdminSession, screenshot, type AdminSession } from './harness.js';

/**
 * A peer that answers the final dot with a 354 (it kept the message, then broke the protocol):
 * the log shows the message as a possible duplicate, the detail page says what happened and
 * why it was not retried, and a manual retry asks first.
 */
describe.runIf(chromiumAvailable())('possible duplicates in the email log', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let peer: ScriptedPeer;
  let id = '';

  beforeAll(async () => {
    peer = await startScriptedPeer({ script: (command) => (command === '.' ? '354 go ahead\r\n' : undefined) });
    s = await openAdminSession('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const api = async (url: string, payload: object) => (await s.live.t.request({ method: 'POST', url: `/api/v1${url}`, payload })).json();
    const server = await api('/servers', { name: 'lying peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } });
    const account = await api('/accounts', { serverId: server.id, address: 'app@example.com' });
    id = (await api('/messages', { accountId: account.id, to: ['rcpt@example.net'], subject: 'Quarterly report', text: 'x' })).id;
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await peer?.stop();
  });

  it('marks the row, explains it on the detail page, and asks before a retry', async () => {
    const { page } = s;
    await expect.poll(async () => (await s.live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status, { timeout: 20_000 }).toBe('failed');
    await page.goto('/messages');
    const row = page.getByRole('row', { name: /Quarterly report/ });
    await expect.poll(() => row.getByText('possible duplicate', { exact: true }).count()).toBe(1);
    await row.getByRole('link', { name: 'Quarterly report' }).click();
    await page.getByText('Possible duplicate.').waitFor();
    expect(await page.getByText('Mailroom did not retry it automatically').count()).toBe(1);
    expect(await page.locator('.attempt').getByText('possible duplicate', { exact: true }).count()).toBe(1);
    expect(await page.locator('.attempt').getByText(/may already have accepted the message/).count()).toBe(1);
    await screenshot(page, 'possible-duplicate-detail');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('The server may already have this message. Send it again?').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await s.live.t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status).toBe('failed');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('button', { name: 'Yes, retry' }).click();
    await page.getByText('Queued for another attempt.').waitFor();
    expect(s.errors).toEqual([]);
  });
});
