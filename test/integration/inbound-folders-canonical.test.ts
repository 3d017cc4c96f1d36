import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Accounts saved before INBOX was spelled one way (folders ["INBOX","inbox"], a move target
 * "Inbox") ran two readers on one mailbox. An upgrade rewrites them (migration 026): the
 * setting reads ["INBOX"], one reader runs, and the second reader's cursor is gone from the
 * inbound status. Each account it rewrites gets a new version: a form opened before the
 * upgrade (showing ["INBOX","inbox"]) is refused with a version conflict instead of saving
 * over a change it never showed.
 */
await describeEachDialect('inbound folders saved before INBOX was spelled one way (migration 026)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  it('reads ["INBOX"] and runs one reader after the upgrade', async () => {
    // Nothing listens here: the readers fail to connect, which is all this test needs of them.
    const server = await api('POST', '/servers', { name: 'imap', smtp: { host: '127.0.0.1', port: 9, security: 'none' }, imap: { host: '127.0.0.1', port: 9, security: 'tls' } });
    expect(server.statusCode).toBe(201);
    const make = async (address: string) => {
      const res = await api('POST', '/accounts', { serverId: server.json().id, address, password: 'Folders-Secret-1', inbound: { folders: ['INBOX'] } });
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    };
    const twice = await make('twice@example.com');
    const moving = await make('moving@example.com');
    const plain = await make('plain@example.com');
    const db = t.app.infra.db;
    // As saved before the fix, with the cursors its two readers kept.
    await db.updateTable('accounts').set({ inbound: JSON.stringify({ enabled: true, folders: ['INBOX', 'inbox', 'Archive'], afterProcessing: 'none', moveTo: null }) }).where('id', '=', twice).execute();
    await db.updateTable('accounts').set({ inbound: JSON.stringify({ enabled: true, folders: ['inbox'], afterProcessing: 'move', moveTo: 'Inbox.Done' }) }).where('id', '=', moving).execute();
    for (const folder of ['INBOX', 'inbox']) {
      await db.insertInto('inbound_mailboxes').values({ account_id: twice, folder, uid_validity: '7', last_uid: folder === 'INBOX' ? 12 : 9, stored_count: 3, quarantined_count: 0, state: 'watching', last_sync_at: null, last_error: null, failures: 0, next_attempt_at: null, lease_owner: null, lease_until: null, updated_at: Date.now() }).execute();
    }

    const versionOf = async (id: string) => (await db.selectFrom('accounts').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
    const before = { twice: await versionOf(twice), moving: await versionOf(moving), plain: await versionOf(plain) };

    // The upgrade: the migration applied as a start applies it.
    const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
    expect((await migrator.migrateTo('024_outbound_skips_inbound_indexes')).error).toBeUndefined();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const stored = async (id: string) => JSON.parse((await db.selectFrom('accounts').select('inbound').where('id', '=', id).executeTakeFirstOrThrow()).inbound as string);
    expect((await stored(twice)).folders).toEqual(['INBOX', 'Archive']);
    // "Inbox.Done" is another folder (a child of INBOX): only INBOX itself is spelled one way.
    expect(await stored(moving)).toMatchObject({ folders: ['INBOX'], moveTo: 'Inbox.Done' });
    // The API reads it so (the configuration cache holds an account for a second at most).
    await until('the account to read ["INBOX","Archive"]', async () => JSON.stringify((await api('GET', `/accounts/${twice}`)).json().inbound.folders) === '["INBOX","Archive"]', 5_000);
    const cursors = (await sql<{ folder: string; last_uid: number }>`select folder, last_uid from inbound_mailboxes where account_id = ${twice} order by folder`.execute(db)).rows;
    expect(cursors.map((c) => [c.folder, Number(c.last_uid)])).toEqual([['INBOX', 12]]);

    // The rewritten accounts have a new version; the one already spelled right keeps its own.
    expect({ twice: await versionOf(twice), moving: await versionOf(moving), plain: await versionOf(plain) }).toEqual({ twice: before.twice + 1, moving: before.moving + 1, plain: before.plain });
    // A form opened before the upgrade saves with the version it read: refused, not saved over.
    const stale = await api('PATCH', `/accounts/${twice}`, { version: before.twice, fromName: 'Support' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');

    const inbound = await t.app.startInbound({ refreshMs: 60_000, backoffBaseMs: 60_000 });
    expect(inbound.reading().filter((k) => k.startsWith(twice)).sort()).toEqual([`${twice}/Archive`, `${twice}/INBOX`]);
    expect(inbound.reading().filter((k) => k.startsWith(moving))).toEqual([`${moving}/INBOX`]);
  });
});
