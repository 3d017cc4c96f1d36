import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * Mail by purpose through the API of a test app: a server on a local SMTP peer with one account
 * that the given purposes send from, a message of a purpose, and a message's status.
 */
export async function routePurposesToPeer(t: TestApp, peerPort: number, purposes: string[], smtp: { maxConnections?: number } = {}): Promise<void> {
  const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peerPort, security: 'none', requireTls: false, ...smtp } } })).json();
  const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'app@example.com' } })).json();
  for (const purpose of purposes) {
    const { version } = (await t.request({ method: 'GET', url: `/api/v1/purposes/${purpose}` })).json();
    const res = await t.request({ method: 'PATCH', url: `/api/v1/purposes/${purpose}`, payload: { accountIds: [account.id], version } });
    expect(res.statusCode, res.body).toBe(200);
  }
}

/** Submits a one-recipient message of `purpose` (its subject the address); its id. */
export async function sendForPurpose(t: TestApp, purpose: string, to: string, text = 'x'): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { purpose, to: [to], subject: to, text } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().id as string;
}

export async function messageStatus(t: TestApp, id: string): Promise<string> {
  return (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status as string;
}
