import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The username an SMTP credential gets when none is given is made from its name. Names that
 * make the same username (no ASCII letters at all, as "Приложение" and "应用"; or "My App!" and
 * "my-app") still get one each: the next free one with a number. A username given and taken,
 * or a name taken, is a 409 naming that field, never the store's unique-constraint error.
 */
await describeEachDialect('SMTP credentials: derived usernames are unique', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/v1/smtp-credentials', payload: { allowedFrom: ['@example.com'], ...body } });
  const usernames = async () => ((await t.request({ method: 'GET', url: '/api/v1/smtp-credentials' })).json().items as { username: string }[]).map((c) => c.username);

  it('gives credentials whose names make the same username one each', async () => {
    const made: string[] = [];
    for (const name of ['Приложение', '应用', 'Ω', 'My App!', 'my-app', 'MY APP']) {
      const res = await create({ name });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
      made.push(res.json().username);
    }
    expect(made).toEqual(['smtp-app', 'smtp-app-2', 'smtp-app-3', 'my-app', 'my-app-2', 'my-app-3']);
    expect(new Set(await usernames()).size).toBe((await usernames()).length);
  });

  it('says which field is taken: a given username, or the name', async () => {
    const given = await create({ name: 'Other app', username: 'smtp-app' });
    expect(given.statusCode).toBe(409);
    expect(given.json().error).toMatchObject({ code: 'MAILROOM_E_DUPLICATE', details: { field: 'username' } });
    expect(given.json().error.message).toMatch(/username "smtp-app" is taken by SMTP credential "Приложение"; give another username/);
    const sameName = await create({ name: '应用' });
    expect(sameName.statusCode).toBe(409);
    expect(sameName.json().error).toMatchObject({ code: 'MAILROOM_E_DUPLICATE', details: { field: 'name' } });
    expect(sameName.json().error.message).toMatch(/an SMTP credential named "应用" exists already/);
    expect(await usernames()).toHaveLength(6);
  });

  it('several at once with the same name-made username each get their own', async () => {
    const res = await Promise.all(['Ωα', 'Ωβ', 'Ωγ', 'Ωδ'].map((name) => create({ name })));
    expect(res.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(res.map((r) => r.json().username as string).sort()).toEqual(['smtp-app-4', 'smtp-app-5', 'smtp-app-6', 'smtp-app-7']);
  });
});
