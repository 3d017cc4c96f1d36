import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * "The last active admin cannot be demoted or deleted" (docs/api.md) holds when the last two
 * admins are disabled, demoted or deleted at the same moment: on PostgreSQL through two Mailroom
 * instances on one database (each its own pool), where two transactions at READ COMMITTED both
 * counted two admins and both went ahead, leaving none. One of the two must be refused (409
 * MAILROOM_E_INVALID_STATE), every round.
 */
const ROUNDS = 6;
type Change = { method: 'PATCH' | 'DELETE'; payload?: Record<string, unknown> };
const DISABLE: Change = { method: 'PATCH', payload: { disabled: true } };
const DEMOTE: Change = { method: 'PATCH', payload: { role: 'viewer' } };
const DELETE: Change = { method: 'DELETE' };
/** Each round's pair of changes, one per admin: every way an admin stops being one. */
const PAIRS: [Change, Change][] = [
  [DISABLE, DISABLE],
  [DEMOTE, DEMOTE],
  [DELETE, DELETE],
  [DISABLE, DEMOTE],
  [DEMOTE, DELETE],
  [DELETE, DISABLE],
];

await describeEachDialect('the last active admin, under concurrent changes', (dialect) => {
  let t: TestApp;
  /** A second instance on the same PostgreSQL database (SQLite belongs to one process: the same server). */
  let other: { app: App; server: FastifyInstance } | undefined;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    if (dialect === 'postgres') {
      const env = { DATABASE_URL: t.databaseUrl!, MAILROOM_DATA_DIR: t.dataDir, MAILROOM_ADMIN_EMAIL: ADMIN_EMAIL, MAILROOM_ADMIN_PASSWORD: ADMIN_PASSWORD };
      const app = await createApp(loadConfig(env, { runWorkers: false }), { logger: createLogger('silent') });
      const server = await buildServer(app.ports, app.routes);
      await server.ready();
      other = { app, server };
    }
  }, 60_000);
  afterAll(async () => {
    await other?.server.close();
    await other?.app.close();
    await t?.close();
  });

  type User = { id: string; email: string; role: string; disabled: boolean; version: number };
  const users = async () => (await t.request({ method: 'GET', url: '/api/v1/users' })).json().items as User[];
  const activeAdmins = async () => (await users()).filter((u) => u.role === 'admin' && !u.disabled);
  const change = (server: FastifyInstance, u: User, c: Change) =>
    server.inject({
      method: c.method,
      url: `/api/v1/users/${u.id}`,
      headers: { authorization: `Bearer ${t.adminKey}` },
      ...(c.payload ? { payload: { ...c.payload, version: u.version } } : {}),
    });
  const admin = async (email: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/users', payload: { email, password: 'admin-password-1', role: 'admin' } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as User;
  };

  it('refuses one of two simultaneous changes that would each take away one of the last two admins', { timeout: 120_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const pair = [await admin(`last-${round}-a@example.com`), await admin(`last-${round}-b@example.com`)];
      // Only the pair is left an admin (one change at a time: each leaves at least two).
      for (const u of await activeAdmins()) if (!pair.some((p) => p.id === u.id)) expect((await change(t.server, u, DEMOTE)).statusCode).toBe(200);
      expect((await activeAdmins()).map((u) => u.id).sort()).toEqual(pair.map((u) => u.id).sort());

      const [first, second] = PAIRS[round % PAIRS.length];
      const answers = await Promise.all([change(t.server, pair[0], first), change(other?.server ?? t.server, pair[1], second)]);
      const statuses = answers.map((a) => a.statusCode);
      const left = await activeAdmins();
      expect(left.length, `round ${round}: ${statuses.join(', ')}`).toBeGreaterThanOrEqual(1);
      // Exactly one went through; the other is told why.
      expect(statuses.filter((s) => s < 300), `round ${round}`).toHaveLength(1);
      const refused = answers.find((a) => a.statusCode >= 300)!;
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'MAILROOM_E_INVALID_STATE', message: expect.stringMatching(/last active admin/) });
    }
  });

  it('still lets one of two admins go when nothing races', async () => {
    const [a] = await activeAdmins();
    const b = await admin('calm-b@example.com');
    expect((await change(t.server, a, DISABLE)).statusCode).toBe(200);
    const last = (await activeAdmins())[0];
    expect(last.id).toBe(b.id);
    expect((await change(t.server, last, DELETE)).statusCode).toBe(409);
  });
});
