import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A save that changes nothing (a form sent again as it was loaded) keeps the resource as it is:
 * the same version, no audit entry, no copy in a template's history. It made the next editor's
 * save a version conflict; users were the only resource that kept still. A real change still
 * moves the version, once.
 */
await describeEachDialect('a save that changes nothing', (dialect) => {
  let t: TestApp;
  const api = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) => {
    const res = await t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const auditCount = async () => (await api('GET', '/audit?limit=500')).items.length as number;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('keeps the version, writes no audit entry, and a real change still moves it once', async () => {
    const server = await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com' } });
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'billing@example.com', fromName: 'Billing' });
    await api('POST', '/purposes', { key: 'receipt' });
    const purpose = await api('GET', '/purposes/receipt');
    const template = await api('PUT', '/templates/receipt', { name: 'Receipt', purpose: 'receipt', locales: { en: { subject: 'Receipt', text: 'Thanks' } } });
    const layout = await api('GET', '/layouts/default');
    const rule = await api('POST', '/rules', { name: 'Approvers', events: ['access.request.created'], recipients: { roles: ['approver'] }, template: 'access_request' });
    const webhook = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.sent'], description: 'ops' });
    const credential = await api('POST', '/smtp-credentials', { name: 'legacy app', allowedFrom: ['@example.com'] });
    const secret = await api('PUT', '/secrets/relay', { value: 'first-value-1', description: 'relay login' });

    // Each resource saved again with the values it has: [what, the save, its version before].
    const saves: [string, () => Promise<{ version: number }>, number][] = [
      ['server', () => api('PATCH', `/servers/${server.id}`, { name: 'Relay', smtp: { host: 'smtp.example.com' }, version: server.version }), server.version],
      ['account', () => api('PATCH', `/accounts/${account.id}`, { fromName: 'Billing', version: account.version }), account.version],
      ['purpose', () => api('PATCH', '/purposes/receipt', { enabled: purpose.enabled, version: purpose.version }), purpose.version],
      ['template', () => api('PUT', '/templates/receipt', { name: 'Receipt', purpose: 'receipt', locales: { en: { subject: 'Receipt', text: 'Thanks' } }, version: template.version }), template.version],
      ['layout', () => api('PATCH', '/layouts/default', { name: layout.name, version: layout.version }), layout.version],
      ['rule', () => api('PATCH', `/rules/${rule.id}`, { name: 'Approvers', version: rule.version }), rule.version],
      ['webhook', () => api('PATCH', `/webhooks/${webhook.id}`, { description: 'ops', enabled: true, version: webhook.version }), webhook.version],
      ['smtp credential', () => api('PATCH', `/smtp-credentials/${credential.id}`, { name: 'legacy app', version: credential.version }), credential.version],
      ['secret', () => api('PUT', '/secrets/relay', { description: 'relay login', version: secret.version }), secret.version],
    ];
    const entries = await auditCount();
    for (const [what, save, version] of saves) {
      expect((await save()).version, what).toBe(version);
      // Twice: the version sent is still the current one.
      expect((await save()).version, `${what}, again`).toBe(version);
    }
    expect(await auditCount()).toBe(entries);
    expect((await api('GET', '/templates/receipt/versions')).items).toHaveLength(1);

    // A real change moves the version once, and is audited.
    const renamed = await api('PATCH', `/rules/${rule.id}`, { name: 'Approvers (EU)', version: rule.version });
    expect(renamed.version).toBe(rule.version + 1);
    const changed = await api('PUT', '/templates/receipt', { name: 'Receipt', purpose: 'receipt', locales: { en: { subject: 'Your receipt', text: 'Thanks' } }, version: template.version });
    expect(changed.version).toBe(template.version + 1);
    expect((await api('GET', '/templates/receipt/versions')).items).toHaveLength(2);
    // A secret's value given again is a rotation, never nothing.
    expect((await api('PUT', '/secrets/relay', { value: 'first-value-1', version: secret.version })).version).toBe(secret.version + 1);
    expect(await auditCount()).toBe(entries + 3);
  });
});
