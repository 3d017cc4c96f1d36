import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_CHECK_ID, rotateMasterKey } from '../../src/secrets/rotation.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * rotate-key refuses beside the processes it sees (their LISTEN connection:
 * rotate-key-postgres.test.ts), but not every process has one: `start --no-workers` and
 * MAILROOM_LISTEN_URL=off do not. Such a process still holds the old key after a rotation; a
 * secret it wrote then was encrypted with a key no deployment has, and every later start refused
 * the database for it. Now the write is refused and nothing is stored, and a write that raced
 * the rotation is re-encrypted with the rest. The test app runs without workers and without a
 * LISTEN connection: it is such a process. (PostgreSQL only: on SQLite rotate-key is refused
 * beside any process by the data directory's lock, data-dir-lock.test.ts.)
 */
const pgOk = await postgresAvailable();

/** A promise (`opened`) that settles when `open()` is called: holds a transaction open between steps. */
function latch(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}
const dialect = 'postgres';

describe.skipIf(!pgOk)('a process that missed a key rotation [postgres]', () => {
  let t: TestApp;
  let serverId = '';
  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const keyIds = async () => (await t.app.infra.db.selectFrom('secrets').select(['id', 'key_id']).execute()).map((r) => r.key_id);

  beforeAll(async () => {
    t = await startTestApp(dialect);
    serverId = (await api('POST', '/servers', { name: 'Relay', smtp: { host: 'smtp.example.com' } })).json().id;
    expect((await api('POST', '/accounts', { serverId, address: 'first@example.com', password: 'pw-first' })).statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  it('refuses to write a secret under the old key, stores nothing, and works once restarted with the new key', async () => {
    const oldKey = t.app.infra.keyring.current.id;
    // rotate-key from another process: the key file now holds the new key, this process's keyring the old one.
    const rotated = await rotateMasterKey(t.app.infra.db, t.app.infra.keyring, t.dataDir, Date.now(), dialect);
    expect(new Set(await keyIds())).toEqual(new Set([rotated.newKeyId]));
    const accounts = (await api('GET', '/accounts')).json().items.length;
    const secrets = (await keyIds()).length;

    const refused = await api('POST', '/accounts', { serverId, address: 'second@example.com', password: 'pw-second' });
    expect(refused.statusCode).toBe(500);
    expect(refused.json().error).toMatchObject({
      code: 'MAILROOM_E_SECRET_KEY_MISMATCH',
      message: `the database's secrets are now encrypted with master key ${rotated.newKeyId} (\`mailroom rotate-key\` ran while this process was running with key ${oldKey}); nothing was stored: restart this process with the new key, then try again`,
    });
    expect((await api('GET', '/accounts')).json().items.length).toBe(accounts);
    expect(await keyIds()).toHaveLength(secrets);
    expect(await keyIds()).not.toContain(oldKey);
    // Reading a re-encrypted secret says why it cannot, and what to do.
    const first = (await t.app.ports.ctx.store.repos.accounts.list()).find((a) => a.address === 'first@example.com');
    await expect(t.app.ports.ctx.store.repos.secrets.reveal(first!.passwordSecretId!)).rejects.toMatchObject({
      code: 'MAILROOM_E_SECRET_KEY_MISMATCH',
      message: expect.stringContaining('if `mailroom rotate-key` re-encrypted the secrets while this process was running, restart it with the new key'),
    });

    // Restarted, it reads the new key file: the write goes through, and every secret is under one key.
    await t.restart();
    expect(t.app.infra.keyring.current.id).toBe(rotated.newKeyId);
    expect((await api('POST', '/accounts', { serverId, address: 'second@example.com', password: 'pw-second' })).statusCode).toBe(201);
    expect(new Set(await keyIds())).toEqual(new Set([rotated.newKeyId]));
  });

  it('re-encrypts a secret whose write was under way when the rotation began', async () => {
    const [held, written] = [latch(), latch()];
    let secretId = '';
    const writing = t.app.ports.ctx.store.transaction(async (repos) => {
      secretId = await repos.secrets.put('pw-racing');
      written.open();
      // The transaction stays open, holding the key check FOR SHARE, until released.
      await held.opened;
    });
    await written.opened;
    let settled = false;
    const rotation = rotateMasterKey(t.app.infra.db, t.app.infra.keyring, t.dataDir, Date.now(), dialect).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    // The rotation waits for the key check, so it has not read the secrets yet.
    expect(settled).toBe(false);
    held.open();
    await writing;
    const { newKeyId } = await rotation;
    const row = await t.app.infra.db.selectFrom('secrets').select('key_id').where('id', '=', secretId).executeTakeFirstOrThrow();
    expect(row.key_id).toBe(newKeyId);
    const check = await t.app.infra.db.selectFrom('secrets').select('key_id').where('id', '=', KEY_CHECK_ID).executeTakeFirstOrThrow();
    expect(check.key_id).toBe(newKeyId);
  });

  it('lets a write that deletes one secret and then stores another finish beside a rotation, without a deadlock', async () => {
    // The rotation above left this process with the old key: restarted, it reads the new one.
    await t.restart();
    // As a webhook's secret rotation does: the old secret deleted, then the new one put.
    const old = await t.app.ports.ctx.store.repos.secrets.put('old-webhook-secret');
    const [held, deleted] = [latch(), latch()];
    let newId = '';
    const writing = t.app.ports.ctx.store.transaction(async (repos) => {
      await repos.secrets.delete(old);
      deleted.open();
      await held.opened;
      newId = await repos.secrets.put('new-webhook-secret');
    });
    await deleted.opened;
    const rotation = rotateMasterKey(t.app.infra.db, t.app.infra.keyring, t.dataDir, Date.now(), dialect);
    await new Promise((r) => setTimeout(r, 300));
    held.open();
    // Before, PostgreSQL broke the cycle by aborting one side (40P01).
    await writing;
    const { newKeyId } = await rotation;
    const rows = await t.app.infra.db.selectFrom('secrets').select(['id', 'key_id']).execute();
    expect(rows.find((r) => r.id === old)).toBeUndefined();
    expect(rows.find((r) => r.id === newId)?.key_id).toBe(newKeyId);
  });
});
