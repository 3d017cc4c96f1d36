import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A settings save names the versions it read, and loses cleanly when someone saved meanwhile: an
 * admin with the report mail page open in two tabs added an individual report in one, changed
 * the subject in the other, and the second save (the whole `reports` value, as loaded) erased
 * the report with "Saved." in both. Without `versions` a save behaves as before.
 */
await describeEachDialect('settings saved with the versions read', (dialect) => {
  let t: TestApp;
  let accountId: string;
  const req = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url: `/api/v1/${url}`, payload });
  const settings = async () => (await req('GET', 'settings')).json();

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const srv = (await req('POST', 'servers', { name: 's', smtp: { host: 'smtp.example.com' } })).json();
    accountId = (await req('POST', 'accounts', { serverId: srv.id, address: 'reports@example.com' })).json().id;
  });
  afterAll(async () => t?.close());

  it('refuses a save from a stale read with 409, naming the setting and who changed it; nothing of it is saved', async () => {
    const read = await settings();
    // Never saved: version 0, which a first save may name.
    expect(read.reports).toMatchObject({ source: 'default', version: 0 });
    const tabA = await req('PATCH', 'settings', { reports: { overrides: [{ report: 'q4-finance', accountId }] }, versions: { reports: 0 } });
    expect(tabA.statusCode, tabA.body).toBe(200);
    const saved = tabA.json().reports;
    expect(saved.version).toBeGreaterThan(0);
    expect(saved.version).toBe(Date.parse(saved.updatedAt));

    // The other tab read before: its whole value, with its subject changed, and what else it sends.
    const tabB = await req('PATCH', 'settings', { reports: { ...read.reports.value, subject: 'Tab B {name}' }, retention: { days: 30 }, versions: { reports: 0, retention: 0 } });
    expect(tabB.statusCode).toBe(409);
    const err = tabB.json().error;
    expect(err).toMatchObject({ code: 'MAILROOM_E_VERSION_CONFLICT', details: { field: 'versions.reports', setting: 'reports', version: saved.version } });
    expect(err.message).toMatch(/^reports was changed by .+ at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC after you read it: nothing was saved; read the settings again and make your change again$/);
    const after = await settings();
    expect(after.reports.value.overrides).toEqual([{ report: 'q4-finance', accountId, serverId: null }]);
    expect(after.reports.value.subject).not.toBe('Tab B {name}');
    // The whole save was refused: the retention it also carried is not saved either.
    expect(after.retention).toMatchObject({ source: 'default', version: 0 });

    // Read again, the same change goes.
    const again = await req('PATCH', 'settings', { reports: { ...after.reports.value, subject: 'Tab B {name}' }, versions: { reports: after.reports.version } });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().reports.value).toMatchObject({ subject: 'Tab B {name}', overrides: [{ report: 'q4-finance', accountId }] });
    expect(again.json().reports.version).toBeGreaterThan(after.reports.version);
  });

  it('a setting saved twice within a millisecond still has two versions; a save that changes nothing keeps its version', async () => {
    const v0 = (await settings()).softBounces.version;
    const [a, b] = await Promise.all([req('PATCH', 'settings', { softBounces: { count: 4 } }), req('PATCH', 'settings', { softBounces: { count: 5 } })]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const v2 = (await settings()).softBounces.version;
    expect(v2).toBeGreaterThanOrEqual(v0 + 2);
    const same = await req('PATCH', 'settings', { softBounces: (await settings()).softBounces.value, versions: { softBounces: v2 } });
    expect(same.statusCode).toBe(200);
    expect(same.json().softBounces.version).toBe(v2);
  });

  it('of concurrent saves naming the same version, one wins and the others are refused', async () => {
    const { version } = (await settings()).globalCc;
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => req('PATCH', 'settings', { globalCc: [`${x}@example.com`], versions: { globalCc: version } })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
    const winner = answers.find((r) => r.statusCode === 200)!.json().globalCc.value;
    expect((await settings()).globalCc.value).toEqual(winner);
  });

  it('refuses versions that are not whole numbers of a known setting, before anything is read', async () => {
    for (const [versions, code, field] of [
      [{ mailDriverz: 1 }, 'MAILROOM_E_UNKNOWN_FIELD', 'versions'],
      [{ reports: -1 }, 'MAILROOM_E_VALIDATION', 'versions.reports'],
      [{ reports: 'x' }, 'MAILROOM_E_VALIDATION', 'versions.reports'],
      [[1], 'MAILROOM_E_VALIDATION', 'versions'],
    ] as const) {
      const r = await req('PATCH', 'settings', { retention: { days: 40 }, versions });
      expect(r.statusCode, JSON.stringify(versions)).toBe(400);
      expect(r.json().error, r.body).toMatchObject({ code, details: { field } });
    }
    expect((await settings()).retention.value).toEqual({ days: null });
  });
});
