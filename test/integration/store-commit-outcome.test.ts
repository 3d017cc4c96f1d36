import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** COMMIT as node-postgres sends Kysely's `commit` (a simple Query message: 'Q', length 11, the text and its NUL). */
const COMMIT = Buffer.from('Q\u0000\u0000\u0000\u000bcommit\u0000', 'latin1');
/** A transaction's BEGIN: the prepared statement the pipelined BEGIN binds (pg-pipelined-begin.ts), with the first statement. */
const BEGIN = Buffer.from('mailroom_begin\u0000', 'latin1');

const send = (t: TestApp, key: string) => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: `commit ${key}`, text: 'x', idempotencyKey: key } });
const storedKeys = async (t: TestApp) => (await sql<{ k: string }>`select idempotency_key as k from messages where idempotency_key is not null`.execute(t.app.infra.db)).rows.map((r) => r.k);
const copiesOf = async (t: TestApp, key: string) => (await storedKeys(t)).filter((k) => k === key).length;

/**
 * A connection to PostgreSQL lost while a message is being committed, through a TCP proxy that
 * cuts it at a chosen point. Lost before COMMIT was sent, nothing was stored and the answer says
 * so; lost after (PostgreSQL got the COMMIT, Mailroom never heard back), the message may be
 * stored: the answer said "nothing was stored" and a client retrying without a key sent it
 * twice. Now it is 503 MAILROOM_E_STORE_OUTCOME_UNKNOWN, and the retry with the same key answers
 * with the first message.
 */
describe.skipIf(!(await postgresAvailable()))('a connection lost around COMMIT [postgres]', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' }, databaseUrl: (url) => url.replace(':5432/', `:${proxy.port}/`) });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('cut after COMMIT was sent: 503 MAILROOM_E_STORE_OUTCOME_UNKNOWN (may be stored), and the retry with the same key is the first message', async () => {
    expect((await send(t, 'warm-up')).statusCode).toBe(202);
    const cut = proxy.cutAt(COMMIT, { forward: true });
    const res = await send(t, 'after-commit');
    await cut;
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    const error = res.json().error;
    expect(error.code).toBe('MAILROOM_E_STORE_OUTCOME_UNKNOWN');
    expect(error.message).toMatch(/may or may not have been stored/);
    expect(error.message).toMatch(/same idempotency key/);
    expect(error.message).not.toMatch(/nothing was stored/);
    // PostgreSQL got the COMMIT and committed.
    await expect.poll(() => copiesOf(t, 'after-commit'), { timeout: 5_000 }).toBe(1);
    const retried = await send(t, 'after-commit');
    expect([retried.statusCode, retried.json().duplicate]).toEqual([202, true]);
    expect(await copiesOf(t, 'after-commit')).toBe(1);
    expect(t.logLines.filter((l) => l.includes('while a transaction was committing')).length).toBe(1);
  });

  it('cut before COMMIT was sent: 503 MAILROOM_E_STORE_UNAVAILABLE (nothing was stored), which is true, and the retry stores it once', async () => {
    const cut = proxy.cutAt(BEGIN, { forward: false });
    const res = await send(t, 'before-commit');
    await cut;
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');
    expect(res.json().error.message).toMatch(/nothing was stored/);
    expect(await copiesOf(t, 'before-commit')).toBe(0);
    const retried = await send(t, 'before-commit');
    expect([retried.statusCode, retried.json().duplicate]).toEqual([202, false]);
    expect(await copiesOf(t, 'before-commit')).toBe(1);
  });

  it('40 clients while the connections are cut: no request answered "nothing was stored" was stored, and every retry with its key stores it once', async () => {
    const answers = new Map<string, { status: number; code?: string }>();
    let stop = false;
    const loop = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const key = `load-${n}-${i}`;
        const res = await send(t, key);
        answers.set(key, { status: res.statusCode, code: res.statusCode === 202 ? undefined : res.json().error?.code });
      }
    };
    const loops = Array.from({ length: 40 }, (_, n) => loop(n));
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 150));
      proxy.cut();
    }
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await Promise.all(loops);

    const all = [...answers.entries()];
    expect(all.filter(([, a]) => a.status !== 202 && a.status !== 503)).toEqual([]);
    const unavailable = all.filter(([, a]) => a.code === 'MAILROOM_E_STORE_UNAVAILABLE').map(([k]) => k);
    const unknown = all.filter(([, a]) => a.code === 'MAILROOM_E_STORE_OUTCOME_UNKNOWN').map(([k]) => k);
    expect(unavailable.length + unknown.length).toBe(all.filter(([, a]) => a.status === 503).length);
    // Settled: every COMMIT the server got is committed before the look.
    await new Promise((r) => setTimeout(r, 500));
    const stored = new Set(await storedKeys(t));
    console.log(`[commit outcome] ${all.length} requests: ${all.length - unavailable.length - unknown.length} accepted, ${unavailable.length} "nothing was stored", ${unknown.length} "outcome unknown" (${unknown.filter((k) => stored.has(k)).length} of them stored)`);
    expect(unavailable.filter((k) => stored.has(k))).toEqual([]);
    expect(all.filter(([k, a]) => a.status === 202 && !stored.has(k))).toEqual([]);
    // Retried with the same key, as the answer says: each message once.
    for (const key of unknown) {
      const res = await send(t, key);
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().duplicate).toBe(stored.has(key));
    }
    const after = await storedKeys(t);
    expect(after.length).toBe(new Set(after).size);
  }, 60_000);
});
