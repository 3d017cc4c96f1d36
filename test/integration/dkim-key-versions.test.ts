import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * PUT /dkim/:domain with the `version` of the key the caller read: a Domains page open in a
 * second tab, after the key was deleted in the first, "rotated" it (creating a new key, and
 * saying "Key rotated"). Without `version` it creates or rotates whatever is there, as before.
 */
await describeEachDialect('DKIM keys written with the version read', (dialect) => {
  let t: TestApp;
  const url = (d: string) => `/api/v1/dkim/${d}`;
  const put = (d: string, payload: object) => t.request({ method: 'PUT', url: url(d), payload });
  const key = async (d: string) => t.request({ method: 'GET', url: url(d) });
  const audits = async () => (await t.request({ method: 'GET', url: '/api/v1/audit?targetType=dkim&limit=100' })).json().items.length as number;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('creates with version 0 only while there is no key, and rotates only the key at the version given', async () => {
    const created = await put('tabs.example', { keyBits: 1024, version: 0 });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json().version).toBe(1);
    // Another tab that also saw no key: refused, the first key stays.
    const second = await put('tabs.example', { keyBits: 1024, selector: 'other', version: 0 });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'MAILROOM_E_VERSION_CONFLICT', details: { field: 'version', currentVersion: 1 } });
    expect(second.json().error.message).toMatch(/^tabs\.example had no DKIM key when you read it; it is at version 1 now, created at .+ UTC: nothing was changed/);
    const rotated = await put('tabs.example', { keyBits: 1024, selector: 's2', version: 1 });
    expect(rotated.json()).toMatchObject({ selector: 's2', version: 2 });
    // A rotation from the stale read (version 1): refused.
    const stale = await put('tabs.example', { keyBits: 1024, selector: 's3', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toMatch(/had its DKIM key at version 1 when you read it; it is at version 2 now, rotated at/);
    expect((await key('tabs.example')).json()).toMatchObject({ selector: 's2', version: 2 });
  });

  it('refuses to "rotate" a key deleted meanwhile: nothing is created', async () => {
    const k = (await put('gone.example', { keyBits: 1024 })).json();
    expect((await t.request({ method: 'DELETE', url: url('gone.example') })).statusCode).toBe(204);
    const before = await audits();
    const res = await put('gone.example', { keyBits: 1024, selector: 's2', version: k.version });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VERSION_CONFLICT', details: { field: 'version', currentVersion: 0 } });
    expect(res.json().error.message).toContain('gone.example had its DKIM key at version 1 when you read it; it was deleted: nothing was changed');
    expect((await key('gone.example')).statusCode).toBe(404);
    expect(await audits()).toBe(before);
  });

  it('of concurrent rotations of one version, one wins', async () => {
    const k = (await put('race.example', { keyBits: 1024 })).json();
    const answers = await Promise.all(['a', 'b', 'c'].map((s) => put('race.example', { keyBits: 1024, selector: s, version: k.version })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    expect((await key('race.example')).json().version).toBe(k.version + 1);
  });

  it('refuses a version that is not a whole number from 0', async () => {
    for (const version of [-1, 1.5, '1']) {
      const res = await put('bad.example', { keyBits: 1024, version });
      expect(res.statusCode, String(version)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });
    }
  });
});
