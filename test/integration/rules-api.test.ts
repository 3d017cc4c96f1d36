import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** Rules as a versioned, audited resource, and the dry run that renders without sending. */
await describeEachDialect('rules API and dry run', (dialect) => {
  let t: TestApp;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'relay', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } } });
    accountId = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'alerts@example.com' } })).json().id;
  });
  afterAll(async () => t?.close());

  const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) => t.request({ method, url: `/api/v1/${url}`, payload: payload as object, key });
  const rule = () => ({ name: 'Critical alerts', events: ['alert.*'], conditions: [{ path: 'data.alert.status', op: 'eq', value: 'CRIT' }], recipients: { roles: ['oncall'], addresses: ['noc@example.com'] }, template: 'alert', accountId });
  const alertData = { alert: { status: 'CRIT', is_recovery: false, host: { name: 'db-01' }, service: { display_name: 'Disk' }, message: 'Disk 96 %', host_url: 'https://mon.example.com/db-01', acknowledged_by: null } };

  it('creates, lists in priority order, updates with the version read, deletes; every change audited', async () => {
    const a = await req('POST', 'rules', { ...rule(), priority: 50 });
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json()).toMatchObject({ id: expect.stringMatching(/^rul_/), enabled: true, continue: false, version: 1, accountId, purpose: null });
    const b = (await req('POST', 'rules', { ...rule(), name: 'First', priority: 5 })).json();
    expect((await req('GET', 'rules')).json().items.map((r: { name: string }) => r.name)).toEqual(['First', 'Critical alerts']);
    const stale = await req('PATCH', `rules/${a.json().id}`, { enabled: false, version: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    const upd = await req('PATCH', `rules/${a.json().id}`, { enabled: false, version: 1 });
    expect(upd.json()).toMatchObject({ enabled: false, version: 2 });
    const reordered = await req('POST', 'rules/reorder', { ids: [a.json().id, b.id] });
    expect(reordered.json().items.map((r: { name: string; priority: number }) => [r.name, r.priority])).toEqual([['Critical alerts', 10], ['First', 20]]);
    expect((await req('POST', 'rules/reorder', { ids: [a.json().id] })).statusCode).toBe(400);
    expect((await req('DELETE', `rules/${b.id}`)).statusCode).toBe(204);
    expect((await req('GET', `rules/${b.id}`)).statusCode).toBe(404);
    const audit = (await req('GET', 'audit?targetType=rule')).json().items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['rule.create', 'rule.update', 'rule.reorder', 'rule.delete']));
    await req('PATCH', `rules/${a.json().id}`, { enabled: true, version: 3 });
  });

  it('refuses a rule naming what does not exist, with a code', async () => {
    for (const [body, code] of [
      [{ ...rule(), template: 'nope' }, 'MAILROOM_E_VALIDATION'],
      [{ ...rule(), accountId: 'acc_missing' }, 'MAILROOM_E_VALIDATION'],
      [{ ...rule(), purpose: 'no_such_purpose' }, 'MAILROOM_E_UNKNOWN_PURPOSE'],
      [{ ...rule(), conditions: [{ path: 'data.x', op: 'matches', value: '([' }] }, 'MAILROOM_E_VALIDATION'],
    ] as const) {
      const res = await req('POST', 'rules', body);
      expect(res.json().error?.code, res.body).toBe(code);
    }
  });

  it('dry run: which rules match and the rendered mail, nothing stored or sent', async () => {
    const event = { type: 'alert.triggered', id: 'dry-1', data: alertData, recipients: { oncall: ['Ann <ann@example.com>'] } };
    const res = await req('POST', 'rules/test', { event });
    expect(res.statusCode, res.body).toBe(200);
    const dry = res.json();
    expect(dry.rules.find((r: { ruleName: string }) => r.ruleName === 'Critical alerts')).toMatchObject({ matched: true });
    expect(dry.messages.map((m: { to: string[] }) => m.to)).toEqual([['ann@example.com'], ['noc@example.com']]);
    expect(dry.messages[0]).toMatchObject({ accountId, purpose: 'alert', from: { address: 'alerts@example.com' }, template: { key: 'alert', locale: 'en' } });
    expect(dry.messages[0].subject).toContain('db-01');
    expect(dry.messages[0].html).toContain('Disk 96 %');
    expect((await req('GET', 'events/dry-1')).statusCode).toBe(404);
    expect((await req('GET', 'messages')).json().items).toHaveLength(0);
    // A recovery does not meet the condition: the reason says which one.
    const ok = await req('POST', 'rules/test', { event: { ...event, data: { alert: { ...alertData.alert, status: 'OK' } } } });
    expect(ok.json().rules.find((r: { ruleName: string }) => r.ruleName === 'Critical alerts').reason).toBe('condition not met: data.alert.status = "CRIT"');
    expect(ok.json().messages).toEqual([]);
    // An unsaved draft is judged alone.
    const draft = await req('POST', 'rules/test', { event, rule: { ...rule(), name: 'Draft', recipients: { addresses: ['x@example.com'] } } });
    expect(draft.json().rules).toEqual([{ ruleId: 'draft', ruleName: 'Draft', matched: true }]);
    expect(draft.json().messages.map((m: { to: string[] }) => m.to)).toEqual([['x@example.com']]);
  });

  it('a send-only key raises events but cannot change or test rules', async () => {
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'app', scopes: ['send'] }, null);
    expect((await req('POST', 'events', { type: 'alert.triggered', data: alertData, recipients: { oncall: ['ann@example.com'] } }, key)).statusCode).toBe(202);
    expect((await req('POST', 'rules', rule(), key)).statusCode).toBe(403);
    expect((await req('POST', 'rules/test', { event: { type: 'a.b' } }, key)).statusCode).toBe(403);
  });
});
