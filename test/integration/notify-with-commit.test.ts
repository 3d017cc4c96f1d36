import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreWithCommitNotices } from '../../src/store/store.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { notifyThrough } from '../../src/store/postgres/pg-wake.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A process's wake-up for the others (NOTIFY) rides its next group-commit transaction instead
 * of being a transaction of its own (each of which takes a transaction id, hence a commit record
 * and a WAL flush): with two processes on one PostgreSQL those were 70–77 of a 10,000-message
 * phase's transactions (docs/performance.md, twenty-first session). Seen from a listener: a
 * NOTIFY announced beside a job that holds its batch open arrives only when that batch commits,
 * where one sent on its own (the control) arrives at once.
 */
const pgOk = await postgresAvailable();
const CHANNEL = 'mailroom_test_rides_commit';

describe.skipIf(!pgOk)('NOTIFY inside the next group commit [postgres]', () => {
  let t: TestApp;
  let listener: pg.Client;
  /** Another connection pool on the database, for the control's NOTIFY of its own. */
  let other: StoreDatabase;
  const heard: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('postgres');
    listener = new pg.Client({ connectionString: t.databaseUrl });
    await listener.connect();
    listener.on('notification', (n) => void heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${CHANNEL}`);
    other = openDatabase({ databaseUrl: t.databaseUrl, dataDir: '/nonexistent' });
  });
  afterAll(async () => {
    await listener?.end();
    await other?.close();
    await t?.close();
  });

  it('is delivered with the commit of the batch it joined, not before', async () => {
    const store = t.app.ports.ctx.store as StoreWithCommitNotices;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // In one turn: a job that keeps its batch open, and the NOTIFY, which joins that batch.
    const held = store.grouped(async (repos) => {
      await repos.settings.get('routing');
      await gate;
    });
    const notified = store.notifyWithNextCommit([CHANNEL], 'rode');
    // The control: a NOTIFY of its own arrives while the batch is still open.
    await notifyThrough(other.db)([CHANNEL], 'alone');
    await expect.poll(() => heard, { timeout: 5_000 }).toContain('alone');
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).not.toContain('rode');
    release();
    await Promise.all([held, notified]);
    await expect.poll(() => heard, { timeout: 5_000 }).toContain('rode');
  });
});
