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

  it('a reorder while rules are edited is applied whole or refused whole (409), never half', async () => {
    const made: string[] = [];
    for (let i = 0; i < 6; i++) made.push((await req('POST', 'rules', { ...rule(), name: `Race ${i}` })).json().id);
    const order = async () => ((await req('GET', 'rules')).json().items as { id: string; priority: number }[]).filter((r) => made.includes(r.id)).sort((a, b) => a.priority - b.priority).map((r) => r.id);
    for (let round = 0; round < 5; round++) {
      const before = await order();
      const others = ((await req('GET', 'rules')).json().items as { id: string; priority: number }[]).filter((r) => !made.includes(r.id)).sort((a, b) => a.priority - b.priority).map((r) => r.id);
      const wanted = [...before].reverse();
      const current = await Promise.all(made.map(async (id) => (await req('GET', `rules/${id}`)).json()));
      const [reorder] = await Promise.all([
        req('POST', 'rules/reorder', { ids: [...others, ...wanted] }),
        ...current.map((r) => req('PATCH', `rules/${r.id}`, { name: `${r.name}!`, version: r.version })),
      ]);
      expect([200, 409], reorder.body).toContain(reorder.statusCode);
      expect(await order()).toEqual(reorder.statusCode === 200 ? wanted : before);
    }
    for (const id of made) await req('DELETE', `rules/${id}`);
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
    // Recipients as the message resource shows them: with their display names (they were bare addresses).
    expect(dry.messages.map((m: { to: string[] }) => m.to)).toEqual([['Ann <ann@example.com>'], ['noc@example.com']]);
    // A sender is a string here as in the message resource (it was an object { address }).
    expect(dry.messages[0]).toMatchObject({ accountId, purpose: 'alert', from: 'alerts@example.com', template: { key: 'alert', locale: 'en' } });
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

  it('dry run: a message shows its sender as GET /messages/:id does, display name included', async () => {
    const named = (await req('POST', 'accounts', { serverId: (await req('GET', `accounts/${accountId}`)).json().serverId, address: 'named@example.com', fromName: 'Ops, Night Shift' })).json();
    const r = (await req('POST', 'rules', { ...rule(), name: 'Named sender', accountId: named.id, conditions: [], events: ['named.*'] })).json();
    const event = { type: 'named.alert', id: 'named-1', data: alertData, recipients: { oncall: ['ann@example.com'] } };
    const dry = (await req('POST', 'rules/test', { event })).json();
    const raised = (await req('POST', 'events', event)).json();
    const sent = (await req('GET', `messages/${raised.matches[0].messageIds[0]}`)).json();
    expect(sent.from).toBe('"Ops, Night Shift" <named@example.com>');
    // The log says who chose the account: the rule, not the event's sender.
    expect(sent.routing).toMatchObject({ accountId: named.id, reason: 'account named@example.com chosen by rule "Named sender"' });
    expect(dry.messages.map((m: { from: unknown }) => m.from)).toEqual([sent.from, sent.from]);
    expect(dry.messages[0].to).toEqual(sent.to);
    await req('DELETE', `rules/${r.id}`);
  });

  it('names what the dry run refuses by its path in the body (event.…, rule.…), and says which condition values are allowed', async () => {
    const refused = async (url: string, payload: object) => {
      const res = await req('POST', url, payload);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error as { code: string; message: string; details: Record<string, unknown> };
    };
    const type = await refused('rules/test', { event: { type: 'BAD' } });
    expect(type).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'event.type' } });
    expect(type.message).toMatch(/^event\.type: /);
    expect(await refused('rules/test', { event: {} })).toMatchObject({ details: { field: 'event.type' }, message: expect.stringMatching(/^event\.type: is required/) });
    expect(await refused('rules/test', { event: { type: 'a.b', recipients: { Owner: ['a@example.com'] } } })).toMatchObject({ details: { field: 'event.recipients.Owner' } });
    expect(await refused('rules/test', { event: { type: 'a.b', recipients: { owner: ['not an address'] } } })).toMatchObject({
      code: 'MAILROOM_E_INVALID_ADDRESS',
      message: expect.stringMatching(/^event\.recipients\.owner\[0\]: "not an address" is not accepted/),
      details: { field: 'event.recipients.owner[0]' },
    });
    expect(await refused('rules/test', { event: { type: 'a.b', data: { a: 'x\uD800' } } })).toMatchObject({ details: { field: 'event.data.a' } });
    // The draft rule's fields are named under rule.
    expect(await refused('rules/test', { event: { type: 'a.b' }, rule: { ...rule(), conditions: [{ path: 'nope', op: 'eq', value: 1 }] } })).toMatchObject({ details: { field: 'rule.conditions[0].path' } });
    // What the draft names must exist, as for its save: refused, not a rule that "matched" and sends nothing.
    expect(await refused('rules/test', { event: { type: 'a.b' }, rule: { ...rule(), template: 'nope' } })).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: expect.stringMatching(/^rule\.template: "nope" is not a template/), details: { field: 'rule.template' } });
    expect(await refused('rules/test', { event: { type: 'a.b' }, rule: { ...rule(), accountId: 'acc_missing' } })).toMatchObject({ message: 'rule.accountId: account acc_missing does not exist', details: { field: 'rule.accountId' } });
    const purpose = await req('POST', 'rules/test', { event: { type: 'a.b' }, rule: { ...rule(), purpose: 'no_such_purpose' } });
    expect(purpose.statusCode).toBe(422);
    expect(purpose.json().error).toMatchObject({ code: 'MAILROOM_E_UNKNOWN_PURPOSE', message: expect.stringMatching(/^rule\.purpose: purpose "no_such_purpose" does not exist/), details: { field: 'rule.purpose', purpose: 'no_such_purpose' } });

    // eq/neq take a string, number, boolean or null; in a list of them.
    const condition = (c: object) => ({ ...rule(), conditions: [c] });
    for (const value of [{ a: 1 }, [1]]) {
      const e = await refused('rules', condition({ path: 'data.x', op: 'eq', value }));
      expect(e).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'conditions[0].value: must be a string, number, boolean or null for "eq"', details: { field: 'conditions[0].value' } });
    }
    expect(await refused('rules', condition({ path: 'data.x', op: 'in', value: ['a', { a: 1 }] }))).toMatchObject({ message: 'conditions[0].value[1]: must be a string, number, boolean or null', details: { field: 'conditions[0].value[1]' } });
    for (const value of [1, true, null, 'x']) expect((await req('POST', 'rules/test', { event: { type: 'a.b' }, rule: condition({ path: 'data.x', op: 'eq', value }) })).statusCode, String(value)).toBe(200);
  });

  it('a send-only key raises events but cannot change or test rules', async () => {
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'app', scopes: ['send'] }, null);
    expect((await req('POST', 'events', { type: 'alert.triggered', data: alertData, recipients: { oncall: ['ann@example.com'] } }, key)).statusCode).toBe(202);
    expect((await req('POST', 'rules', rule(), key)).statusCode).toBe(403);
    expect((await req('POST', 'rules/test', { event: { type: 'a.b' } }, key)).statusCode).toBe(403);
  });

  // A fixed address whose display name needs quoting ("Doe, John") is stored so it parses back:
  // the events it matches are sent and the dry run shows them, instead of a 400.
  it('stores the quoted name, sends to it from POST /events, and shows it in POST /rules/test', async () => {
    const created = await req('POST', 'rules', { name: 'Quoted', events: ['quoted.*'], recipients: { addresses: ['"Doe, John" <jd@example.com>', '"Ann \\"Boss\\" Smith" <ann@example.com>'] }, template: 'alert', accountId });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().recipients.addresses).toEqual(['"Doe, John" <jd@example.com>', '"Ann \\"Boss\\" Smith" <ann@example.com>']);
    expect((await req('GET', `rules/${created.json().id}`)).json().recipients.addresses).toEqual(created.json().recipients.addresses);

    const dry = await req('POST', 'rules/test', { event: { type: 'quoted.fired', data: alertData } });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().skipped).toEqual([]);
    expect(dry.json().messages.map((m: { to: string[] }) => m.to)).toEqual([['"Doe, John" <jd@example.com>'], ['"Ann \\"Boss\\" Smith" <ann@example.com>']]);

    const raised = await req('POST', 'events', { type: 'quoted.fired', id: 'quoted-1', data: alertData });
    expect(raised.statusCode, raised.body).toBe(202);
    const [match] = raised.json().matches;
    expect(match).toMatchObject({ ruleId: created.json().id, messageIds: [expect.any(String), expect.any(String)] });
    expect(match.skipped).toBeUndefined();
    const shown = await Promise.all(match.messageIds.map(async (id: string) => (await req('GET', `messages/${id}`)).json().to));
    // The log shows each mailbox the way it parses back.
    expect(shown).toEqual([['"Doe, John" <jd@example.com>'], ['"Ann \\"Boss\\" Smith" <ann@example.com>']]);
  });

  it('reads an address an earlier version stored unquoted', async () => {
    const now = Date.now();
    await t.app.ports.ctx.store.repos.rules.insert({
      id: 'rul_legacy_quoting',
      name: 'Legacy',
      enabled: true,
      priority: 100,
      events: ['legacy.*'],
      conditions: [],
      recipients: { roles: [], addresses: ['Doe, John <jd@example.com>'] },
      template: 'alert',
      accountId,
      purpose: null,
      continue: false,
      createdBy: 'test',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    const dry = await req('POST', 'rules/test', { event: { type: 'legacy.fired', data: alertData } });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().messages.map((m: { to: string[] }) => m.to)).toEqual([['"Doe, John" <jd@example.com>']]);
    const raised = await req('POST', 'events', { type: 'legacy.fired', id: 'legacy-1', data: alertData });
    expect(raised.statusCode, raised.body).toBe(202);
    expect(raised.json().matches[0].messageIds).toHaveLength(1);
  });
});
