import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A rule's and a webhook's `events` are sets: which events, not in what order. A PATCH sending
 * the same events in another order bumped the version, wrote an audit entry and made the next
 * editor's save a 409, though a PATCH that changes nothing keeps its version (docs/api.md,
 * Conventions). Now the order alone is no change: the resource keeps its version and its stored
 * order; a save that changes something else stores the events in the order it sent them.
 * A rule's `recipients.roles` stays ordered: holders are mailed, and `recipient.roles` listed,
 * in the rule's order.
 */
await describeEachDialect('set-like lists in a save', (dialect) => {
  let t: TestApp;
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const auditCount = async () => (await api('GET', '/audit?limit=500')).items.length as number;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('events in another order: the same version, no audit entry, and the next editor saves without a conflict', async () => {
    const rule = await api('POST', '/rules', { name: 'Approvers', events: ['access.request.created', 'access.request.*'], recipients: { roles: ['approver', 'owner'] }, template: 'access_request' });
    const webhook = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.sent', 'message.failed'] });
    const entries = await auditCount();

    const ruleAgain = await api('PATCH', `/rules/${rule.id}`, { events: ['access.request.*', 'access.request.created'], version: rule.version });
    expect(ruleAgain).toMatchObject({ version: rule.version, events: ['access.request.created', 'access.request.*'] });
    const hookAgain = await api('PATCH', `/webhooks/${webhook.id}`, { events: ['message.failed', 'message.sent'], version: webhook.version });
    expect(hookAgain).toMatchObject({ version: webhook.version, events: ['message.sent', 'message.failed'] });
    expect(await auditCount()).toBe(entries);

    // The next editor, with the version it read before: no 409.
    const renamed = await api('PATCH', `/rules/${rule.id}`, { name: 'Approvers (EU)', events: ['access.request.*', 'access.request.created'], version: rule.version });
    expect(renamed).toMatchObject({ version: rule.version + 1, events: ['access.request.*', 'access.request.created'] });
    const described = await api('PATCH', `/webhooks/${webhook.id}`, { description: 'ops', events: ['message.failed', 'message.sent'], version: webhook.version });
    expect(described).toMatchObject({ version: webhook.version + 1, events: ['message.failed', 'message.sent'] });
    expect(await auditCount()).toBe(entries + 2);

    // Another set is a change.
    expect((await api('PATCH', `/webhooks/${webhook.id}`, { events: ['message.failed'], version: described.version })).version).toBe(described.version + 1);
  });

  it("an account's aliases, a credential's allowed senders and addresses, and a direct server's TLS domains in another order: no change", async () => {
    const server = await api('POST', '/servers', { name: 'relay-sets', smtp: { host: 'smtp.example.com' } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'sets@example.com', aliases: ['a@example.com', 'b@example.com'] });
    const credential = await api('POST', '/smtp-credentials', { name: 'sets app', allowedFrom: ['@example.com', 'x@example.org'], allowedIps: ['127.0.0.1', '::1'] });
    const direct = await api('POST', '/servers', { name: 'direct-sets', smtp: { mode: 'direct', direct: { requireTlsDomains: ['a.example', 'b.example'] } } });
    const entries = await auditCount();
    expect((await api('PATCH', `/accounts/${account.id}`, { aliases: ['b@example.com', 'a@example.com'], version: account.version })).version).toBe(account.version);
    const cred = await api('PATCH', `/smtp-credentials/${credential.id}`, { allowedFrom: ['x@example.org', '@example.com'], allowedIps: ['::1', '127.0.0.1'], version: credential.version });
    expect(cred.version).toBe(credential.version);
    const srv = await api('PATCH', `/servers/${direct.id}`, { smtp: { direct: { requireTlsDomains: ['b.example', 'a.example'] } }, version: direct.version });
    expect(srv.version).toBe(direct.version);
    expect(await auditCount()).toBe(entries);
  });

  it("a rule's roles in another order is a change (they are mailed in the rule's order)", async () => {
    const rule = await api('POST', '/rules', { name: 'Owners', events: ['t.created'], recipients: { roles: ['owner', 'approver'] }, template: 'access_request' });
    const swapped = await api('PATCH', `/rules/${rule.id}`, { recipients: { roles: ['approver', 'owner'] }, version: rule.version });
    expect(swapped).toMatchObject({ version: rule.version + 1, recipients: { roles: ['approver', 'owner'] } });
  });
});
