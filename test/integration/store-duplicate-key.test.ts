import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PRINCIPAL } from '../../src/core/access/auth.js';
import type { CoreContext } from '../../src/core/context.js';
import type { Store } from '../../src/core/ports.js';
import { DuplicateKeyError } from '../../src/core/kernel/errors.js';
import { submitMessage, type SubmitResult } from '../../src/core/outbox/messages.service.js';
import { describeEachDialect, postgresAvailable } from '../helpers/dialects.js';
import { ADMIN_EMAIL, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A unique key the store refuses reaches the core as one typed error, DuplicateKeyError, from
 * the driver's code (SQLSTATE 23505, SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY) and never from
 * its message text: PostgreSQL translates that text (lc_messages), and an idempotency race
 * that matched English words became a 500 on a German server.
 */

/** The core context with every failed group commit recorded (observed, not changed). */
function observingGroupCommits(ctx: CoreContext): { ctx: CoreContext; failures: unknown[] } {
  const failures: unknown[] = [];
  const store: Store = {
    ...ctx.store,
    async grouped(fn) {
      try {
        return await ctx.store.grouped(fn);
      } catch (err) {
        failures.push(err);
        throw err;
      }
    },
  };
  return { ctx: { ...ctx, store }, failures };
}

/** Asserts the typed error, for a user that collides with the admin's id or e-mail address. */
async function expectDuplicateUsers(t: TestApp): Promise<void> {
  const repos = t.app.ports.ctx.store.repos;
  const admin = await repos.users.findByEmail(ADMIN_EMAIL);
  expect(admin).toBeDefined();
  // The same e-mail address under another id: a UNIQUE column.
  await expect(repos.users.insert({ ...admin!, id: `${admin!.id}x` })).rejects.toBeInstanceOf(DuplicateKeyError);
  // The same id: the primary key.
  await expect(repos.users.insert({ ...admin!, email: 'other@example.com' })).rejects.toBeInstanceOf(DuplicateKeyError);
  // Inside a transaction too, and the transaction changed nothing.
  await expect(
    t.app.ports.ctx.store.transaction(async (r) => {
      await r.users.insert({ ...admin!, id: `${admin!.id}y`, email: 'third@example.com' });
      await r.users.insert({ ...admin!, id: `${admin!.id}z` });
    }),
  ).rejects.toBeInstanceOf(DuplicateKeyError);
  expect(await repos.users.findByEmail('third@example.com')).toBeUndefined();
}

/**
 * Several submissions with one idempotency key at once: each looks the key up before any of
 * them commits, so all but one insert collides. They all get the one message back (202, never
 * a 500), and the collisions were DuplicateKeyErrors.
 */
async function expectIdempotencyRace(t: TestApp, key: string): Promise<void> {
  const { ctx, failures } = observingGroupCommits(t.app.ports.ctx);
  const results: SubmitResult[] = await Promise.all(
    Array.from({ length: 8 }, () => submitMessage(ctx, CLI_PRINCIPAL, { to: ['race@example.net'], subject: 'race', text: 'x', idempotencyKey: key }, { source: 'cli' })),
  );
  expect(new Set(results.map((r) => r.id)).size).toBe(1);
  expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
  expect(failures.length).toBeGreaterThan(0);
  for (const err of failures) expect(err).toBeInstanceOf(DuplicateKeyError);
  const stored = await sql<{ n: number | string }>`select count(*) as n from messages where idempotency_key = ${key}`.execute(t.app.infra.db);
  expect(Number(stored.rows[0].n)).toBe(1);

  // The same through the API: every answer is 202 with the one id.
  const http = await Promise.all(
    Array.from({ length: 8 }, () => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['race@example.net'], subject: 'race', text: 'x', idempotencyKey: `${key}-http` } })),
  );
  expect(http.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
  expect(new Set(http.map((r) => r.json().id)).size).toBe(1);
}

await describeEachDialect('duplicate keys by the driver code', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('repositories throw DuplicateKeyError for a unique column and a primary key', async () => {
    await expectDuplicateUsers(t);
  });

  it('an idempotency race returns the first message to every caller', async () => {
    await expectIdempotencyRace(t, `race-${dialect}`);
  });
});

/** A locale whose messages PostgreSQL translates; `.ci/run` generates it (localedef). */
const GERMAN = 'de_DE.UTF-8';
const ADMIN_URL = process.env.MAILROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the server accepts lc_messages = GERMAN; with CI=true it must. */
async function germanMessagesAvailable(): Promise<boolean> {
  if (!(await postgresAvailable())) return false;
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(`SET lc_messages = '${GERMAN}'`);
    return true;
  } catch (err) {
    const why = `PostgreSQL refuses lc_messages = '${GERMAN}' (${(err as Error).message}); generate the locale with: localedef --no-archive -i de_DE -f UTF-8 ${GERMAN}`;
    if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`, { cause: err });
    console.warn(`[mailroom tests] ${why}: the non-English PostgreSQL duplicate-key test is SKIPPED`);
    return false;
  } finally {
    await c.end();
  }
}

describe.skipIf(!(await germanMessagesAvailable()))('duplicate keys on a PostgreSQL database with lc_messages = de_DE', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    const database = new URL(t.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${database} SET lc_messages = '${GERMAN}'`);
    await admin.end();
    // New connections take the database's setting.
    await t.restart();
  });
  afterAll(async () => t?.close());

  it('the driver speaks German here, and only its code says "duplicate"', async () => {
    expect((await sql<{ lc_messages: string }>`show lc_messages`.execute(t.app.infra.db)).rows[0].lc_messages).toBe(GERMAN);
    const admin = await t.app.ports.ctx.store.repos.users.findByEmail(ADMIN_EMAIL);
    // Untranslated, straight from the driver: German text, SQLSTATE 23505.
    const raw = await t.app.infra.db
      .insertInto('users')
      .values({ id: `${admin!.id}x`, email: admin!.email, name: admin!.name, role: admin!.role, disabled: 0, password_hash: admin!.passwordHash, password_change_required: 0, created_at: 0, updated_at: 0, version: 1 })
      .execute()
      .then(
        () => null,
        (err: unknown) => err as { code?: string; message: string },
      );
    expect(raw?.code).toBe('23505');
    expect(raw?.message).toMatch(/doppelter Schlüsselwert verletzt/);
    expect(raw?.message).not.toMatch(/duplicate key/i);
  });

  it('repositories throw DuplicateKeyError', async () => {
    await expectDuplicateUsers(t);
  });

  it('an idempotency race returns the first message to every caller, never a 500', async () => {
    await expectIdempotencyRace(t, 'race-de');
  });
});
