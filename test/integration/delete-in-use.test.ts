import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An account, a purpose or a template that configuration still names is not deleted: the
 * answer is 409 MAILROOM_E_IN_USE naming every user by kind (purposes, rules, SMTP credentials,
 * settings, templates), and nothing goes. Once the users point elsewhere the delete goes
 * through. A delete racing a change that starts to use the thing never leaves a dangling
 * reference: one of the two loses (both dialects; PostgreSQL runs them truly at once).
 */
await describeEachDialect('deleting what is in use', (dialect) => {
  let t: TestApp;
  let serverId: string;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });
  const ok = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await api(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const version = async (url: string) => (await api('GET', url)).json().version as number;
  const account = async (address: string) => (await ok('POST', 'accounts', { serverId, address })).id as string;
  const rule = (name: string, over: Record<string, unknown> = {}) => ok('POST', 'rules', { name, events: ['digest.ready'], recipients: { addresses: ['ops@example.com'] }, template: 'alert', ...over });
  const template = (key: string, purpose: string | null) =>
    ok('PUT', `templates/${key}`, { name: `Template ${key}`, purpose, locales: { en: { subject: 'News for {{ name }}', html: '<p>Hello {{ name }}</p>' } }, sampleData: { name: 'Sam' } });
  const refusal = (res: { statusCode: number; json(): unknown }) => {
    expect(res.statusCode).toBe(409);
    return (res.json() as { error: { code: string; message: string; details: Record<string, unknown> } }).error;
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    serverId = (await ok('POST', 'servers', { name: 'relay', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } })).id;
  });
  afterAll(async () => t?.close());

  it('an account a purpose, a rule, an SMTP credential or a setting names: 409 naming each, nothing deleted; deleted once they point elsewhere', async () => {
    const x = await account('x@example.com');
    const other = await account('other@example.com');
    await ok('PATCH', 'purposes/alert', { accountIds: [x], version: await version('purposes/alert') });
    await ok('PATCH', 'purposes/report', { accountIds: [other, x], version: await version('purposes/report') });
    const r = await rule('Digest from X', { accountId: x });
    const cred = await ok('POST', 'smtp-credentials', { name: 'Billing app', allowedFrom: ['billing@example.com'], accountId: x });
    await ok('PATCH', 'settings', {
      defaultAccountId: x,
      contactAutoReply: { accountId: x },
      reports: { useDefault: false, accountId: x, overrides: [{ report: 'Weekly', accountId: other }, { report: 'Monthly', accountId: x }] },
    });

    const error = refusal(await api('DELETE', `accounts/${x}`));
    expect(error.code).toBe('MAILROOM_E_IN_USE');
    expect(error.message).toBe(
      `account "x@example.com" is used by the purposes alert, report; the rule "Digest from X"; the SMTP credential "Billing app"; ` +
        `the settings system default account (defaultAccountId), contact auto-reply's account (contactAutoReply.accountId), report mail's account (reports.accountId), report mail's account for individual report 2 (reports.overrides[1].accountId); point them at another account first`,
    );
    expect(error.details).toEqual({
      purposes: ['alert', 'report'],
      rules: [r.id],
      smtpCredentials: [cred.id],
      settings: ['defaultAccountId', 'contactAutoReply.accountId', 'reports.accountId', 'reports.overrides[1].accountId'],
    });
    // Nothing went: the account, where it is named, and no delete in the audit log.
    expect((await api('GET', `accounts/${x}`)).statusCode).toBe(200);
    expect((await api('GET', 'purposes/alert')).json().accountIds).toEqual([x]);
    const audit = (await api('GET', `audit?targetType=account&targetId=${x}`)).json().items as { action: string }[];
    expect(audit.map((e) => e.action)).not.toContain('account.delete');

    // Moved away step by step: the answer names only what is left.
    await ok('PATCH', 'purposes/alert', { accountIds: [], version: await version('purposes/alert') });
    await ok('PATCH', 'purposes/report', { accountIds: [other], version: await version('purposes/report') });
    await ok('PATCH', `rules/${r.id}`, { accountId: null, version: r.version });
    await ok('PATCH', `smtp-credentials/${cred.id}`, { accountId: other, version: cred.version });
    const left = refusal(await api('DELETE', `accounts/${x}`));
    expect(left.message).toBe(`account "x@example.com" is used by the settings system default account (defaultAccountId), contact auto-reply's account (contactAutoReply.accountId), report mail's account (reports.accountId), report mail's account for individual report 2 (reports.overrides[1].accountId); point them at another account first`);
    expect(left.details).toEqual({ purposes: [], rules: [], smtpCredentials: [], settings: ['defaultAccountId', 'contactAutoReply.accountId', 'reports.accountId', 'reports.overrides[1].accountId'] });

    await ok('PATCH', 'settings', { defaultAccountId: other, contactAutoReply: { accountId: null }, reports: { useDefault: true, accountId: null, overrides: [{ report: 'Weekly', accountId: other }] } });
    expect((await api('DELETE', `accounts/${x}`)).statusCode).toBe(204);
    expect((await api('GET', `accounts/${x}`)).statusCode).toBe(404);
  });

  it('a purpose a template, a rule or an SMTP credential names: 409 naming each, nothing deleted; deleted once they use another', async () => {
    await ok('POST', 'purposes', { key: 'newsletter', description: 'Monthly news' });
    await template('nl', 'newsletter');
    await template('nl_short', 'newsletter');
    const r = await rule('Newsletter digest', { purpose: 'newsletter' });
    const cred = await ok('POST', 'smtp-credentials', { name: 'News app', allowedFrom: ['news@example.com'], purpose: 'newsletter' });

    const error = refusal(await api('DELETE', 'purposes/newsletter'));
    expect(error.code).toBe('MAILROOM_E_IN_USE');
    expect(error.message).toBe('purpose "newsletter" is used by the templates nl, nl_short; the rule "Newsletter digest"; the SMTP credential "News app"; give them another purpose (or none) first');
    expect(error.details).toEqual({ templates: ['nl', 'nl_short'], rules: [r.id], smtpCredentials: [cred.id] });
    expect((await api('GET', 'purposes/newsletter')).json()).toMatchObject({ key: 'newsletter', description: 'Monthly news' });
    // The template still sends, its purpose intact.
    const sent = await api('POST', 'messages', { to: ['reader@example.net'], template: 'nl', data: { name: 'Ann' } });
    expect(sent.statusCode, sent.body).toBe(202);
    expect((await api('GET', `messages/${sent.json().id}`)).json().purpose).toBe('newsletter');

    await ok('PATCH', 'templates/nl', { purpose: null, version: await version('templates/nl') });
    await ok('DELETE', 'templates/nl_short');
    await ok('PATCH', `rules/${r.id}`, { purpose: null, version: r.version });
    const last = refusal(await api('DELETE', 'purposes/newsletter'));
    expect(last.details).toEqual({ templates: [], rules: [], smtpCredentials: [cred.id] });
    // One user left: "it", not "them".
    expect(last.message).toBe('purpose "newsletter" is used by the SMTP credential "News app"; give it another purpose (or none) first');
    await ok('PATCH', `smtp-credentials/${cred.id}`, { purpose: 'report', version: cred.version });
    expect((await api('DELETE', 'purposes/newsletter')).statusCode).toBe(204);
    expect((await api('GET', 'purposes/newsletter')).statusCode).toBe(404);
  });

  it('a template a rule uses: 409 naming the rules, nothing deleted; deleted once they use another', async () => {
    await template('digest', null);
    const a = await rule('Digest A', { template: 'digest', events: ['digest.sent'] });
    const b = await rule('Digest B', { template: 'digest', events: ['digest.sent'] });
    await rule('Unrelated', { template: 'alert', events: ['digest.sent'] });

    const error = refusal(await api('DELETE', 'templates/digest'));
    expect(error.code).toBe('MAILROOM_E_IN_USE');
    expect(error.message).toBe('template "digest" is used by the rules "Digest A", "Digest B"; give them another template (or delete them) first');
    expect(error.details).toEqual({ rules: [a.id, b.id] });
    expect((await api('GET', 'templates/digest')).statusCode).toBe(200);
    const event = await api('POST', 'events', { type: 'digest.sent', id: 'digest-1', data: { name: 'Ann' } });
    expect(event.statusCode, event.body).toBe(202);
    expect(event.json().matches.find((m: { ruleId: string }) => m.ruleId === a.id)).toMatchObject({ messageIds: [expect.any(String)] });

    await ok('DELETE', `rules/${b.id}`);
    await ok('PATCH', `rules/${a.id}`, { template: 'alert', version: a.version });
    expect((await api('DELETE', 'templates/digest')).statusCode).toBe(204);
    expect((await api('GET', 'templates/digest')).statusCode).toBe(404);
  });

  it('a server accounts or the report settings name: 409 naming each, nothing deleted; deleted once they point elsewhere', async () => {
    const s2 = (await ok('POST', 'servers', { name: 'second relay', smtp: { host: '127.0.0.1', port: 2526, security: 'none', requireTls: false } })).id as string;
    const there = (await ok('POST', 'accounts', { serverId: s2, address: 'there@example.com' })).id as string;
    await ok('PATCH', 'settings', { reports: { useDefault: true, serverId: s2, accountId: null, overrides: [{ report: 'weekly', serverId: s2, accountId: there }] } });

    const error = refusal(await api('DELETE', `servers/${s2}`));
    expect(error.code).toBe('MAILROOM_E_IN_USE');
    expect(error.details).toEqual({ accounts: [there], settings: ['reports.serverId', 'reports.overrides[0].serverId'] });
    expect(error.message).toBe(`server "second relay" is used by the account there@example.com; the settings report mail's server (reports.serverId), report mail's server for individual report 1 (reports.overrides[0].serverId); point them at another server (or delete them) first`);
    expect((await api('GET', `servers/${s2}`)).statusCode).toBe(200);

    // The account moves; the settings still name the server, and hold it.
    await ok('PATCH', `accounts/${there}`, { serverId, version: await version(`accounts/${there}`) });
    expect(refusal(await api('DELETE', `servers/${s2}`)).details).toEqual({ accounts: [], settings: ['reports.serverId', 'reports.overrides[0].serverId'] });
    await ok('PATCH', 'settings', { reports: { serverId: null, overrides: [] } });
    expect((await api('DELETE', `servers/${s2}`)).statusCode).toBe(204);
    expect((await api('GET', `servers/${s2}`)).statusCode).toBe(404);
  });

  it('a delete racing a change that starts to use the thing: never both, never a dangling reference', async () => {
    for (let i = 0; i < 8; i++) {
      const z = await account(`race-${i}@example.com`);
      const alertVersion = await version('purposes/alert');
      const [del, patch] = await Promise.all([api('DELETE', `accounts/${z}`), api('PATCH', 'purposes/alert', { accountIds: [z], version: alertVersion })]);
      expect([del.statusCode, patch.statusCode], `${del.body} ${patch.body}`).toSatisfy(([d, p]: number[]) => (d === 204 && p === 400) || (d === 409 && p === 200));
      const listed = (await api('GET', 'purposes/alert')).json().accountIds as string[];
      const exists = (await api('GET', `accounts/${z}`)).statusCode === 200;
      expect(listed.includes(z)).toBe(exists);
      if (exists) await ok('PATCH', 'purposes/alert', { accountIds: [], version: await version('purposes/alert') });

      await template(`race_${i}`, null);
      const [gone, made] = await Promise.all([api('DELETE', `templates/race_${i}`), api('POST', 'rules', { name: `Race ${i}`, events: ['race.ready'], recipients: { addresses: ['ops@example.com'] }, template: `race_${i}` })]);
      expect([gone.statusCode, made.statusCode], `${gone.body} ${made.body}`).toSatisfy(([d, c]: number[]) => (d === 204 && c === 400) || (d === 409 && c === 201));
      if (made.statusCode === 201) expect((await api('GET', `templates/race_${i}`)).statusCode).toBe(200);

      await ok('PUT', `layouts/race_${i}`, { name: `Race ${i}`, html: '<main>{{ content }}</main>' });
      const [dropped, saved] = await Promise.all([api('DELETE', `layouts/race_${i}`), api('PUT', `templates/race_${i}_mail`, { name: 'Race', locales: { en: { subject: 'Hi', html: '<p>Hi</p>' } }, layout: `race_${i}` })]);
      expect([dropped.statusCode, saved.statusCode], `${dropped.body} ${saved.body}`).toSatisfy(([d, c]: number[]) => (d === 204 && c === 400) || (d === 409 && c < 300));
      if (dropped.statusCode === 204) expect((await api('GET', `templates/race_${i}_mail`)).statusCode).toBe(404);

      const s = (await ok('POST', 'servers', { name: `race relay ${i}`, smtp: { host: '127.0.0.1', port: 2527, security: 'none', requireTls: false } })).id as string;
      const [deleted, named] = await Promise.all([api('DELETE', `servers/${s}`), api('PATCH', 'settings', { reports: { useDefault: true, accountId: null, serverId: s } })]);
      expect([deleted.statusCode, named.statusCode], `${deleted.body} ${named.body}`).toSatisfy(([d, p]: number[]) => (d === 204 && p === 400) || (d === 409 && p === 200));
      const reportServer = (await api('GET', 'settings')).json().reports.value.serverId as string | null;
      expect(reportServer === s).toBe((await api('GET', `servers/${s}`)).statusCode === 200);
      await ok('PATCH', 'settings', { reports: { serverId: null } });
    }
  });
});
