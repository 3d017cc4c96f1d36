import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The upgrade to the recorded \Seen a reader owes (migration 032). Before it, a reader whose
 * folder was left `syncing` or `failing` marked every stored message still unread; now it marks
 * only what it recorded owing. A folder left so by the old reader gets the old catch-up once
 * (owed from UID 1), so the upgrade leaves no stored message unmarked; any other folder owes nothing.
 */
await describeEachDialect('the \\Seen a reader owes, at the upgrade (migration 032)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('owes the old catch-up to the folders an interrupted or failing sync left, and nothing elsewhere', async () => {
    const db = t.app.infra.db;
    const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
    expect((await migrator.migrateTo('031_processes')).error).toBeUndefined();
    // As the old reader left its folders.
    const folders: [string, string, number][] = [
      ['Watching', 'watching', 40],
      ['Idle', 'idle', 40],
      ['Failing', 'failing', 40],
      ['Syncing', 'syncing', 40],
      ['FailingEmpty', 'failing', 0],
    ];
    for (const [folder, state, lastUid] of folders) {
      await sql`insert into inbound_mailboxes (account_id, folder, uid_validity, last_uid, stored_count, quarantined_count, state, failures, updated_at)
                values ('acc_upgrade', ${folder}, '7', ${lastUid}, ${lastUid}, 0, ${state}, 0, 0)`.execute(db);
    }

    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const owed = async (folder: string) => t.app.ports.ctx.store.repos.mailboxes.seenOwedFrom('acc_upgrade', folder);
    expect(await owed('Watching')).toBeUndefined();
    expect(await owed('Idle')).toBeUndefined();
    expect(await owed('Failing')).toBe(1);
    expect(await owed('Syncing')).toBe(1);
    expect(await owed('FailingEmpty')).toBeUndefined();
    // The cursor and the rest of the row are as they were.
    expect((await t.app.ports.ctx.store.repos.mailboxes.get('acc_upgrade', 'Failing'))).toMatchObject({ uidValidity: '7', lastUid: 40, state: 'failing' });
  });

  it('records what a reader owes under its lease only, and settles it', async () => {
    const repos = t.app.ports.ctx.store.repos;
    expect(await repos.mailboxes.acquire('acc_owe', 'INBOX', 'reader-a', 1_000, 100_000)).toBe(true);
    expect(await repos.mailboxes.oweSeen('acc_owe', 'INBOX', 'reader-a', 12)).toBe(true);
    // An earlier UID owed stays: the catch-up starts there.
    expect(await repos.mailboxes.oweSeen('acc_owe', 'INBOX', 'reader-a', 15)).toBe(true);
    expect(await repos.mailboxes.seenOwedFrom('acc_owe', 'INBOX')).toBe(12);
    // Another process without the lease changes nothing.
    expect(await repos.mailboxes.seenSettled('acc_owe', 'INBOX', 'reader-b')).toBe(false);
    expect(await repos.mailboxes.oweSeen('acc_owe', 'INBOX', 'reader-b', 3)).toBe(false);
    expect(await repos.mailboxes.seenOwedFrom('acc_owe', 'INBOX')).toBe(12);
    expect(await repos.mailboxes.seenSettled('acc_owe', 'INBOX', 'reader-a')).toBe(true);
    expect(await repos.mailboxes.seenOwedFrom('acc_owe', 'INBOX')).toBeUndefined();
  });
});
