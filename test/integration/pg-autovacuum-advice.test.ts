import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/*
 * A PostgreSQL without autovacuum leaves Mailroom's tables full of dead rows and its plans made
 * for empty tables: the start says so once, as a warning naming what to do. (This machine's
 * PostgreSQL may run either way: the test reads the server's setting and expects what it implies.)
 */
await describeEachDialect('a start warns when PostgreSQL runs without autovacuum', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('warns exactly when the server has autovacuum off, with what to do', async () => {
    const warnings = t.logLines.filter((l) => l.includes('autovacuum'));
    if (dialect === 'sqlite') return expect(warnings).toEqual([]);
    const { rows } = await sql<{ setting: string }>`select current_setting('autovacuum') as setting`.execute(t.app.infra.db as unknown as Kysely<unknown>);
    if (rows[0].setting === 'on') return expect(warnings).toEqual([]);
    expect(warnings).toHaveLength(1);
    const line = JSON.parse(warnings[0]);
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/autovacuum is off.*turn autovacuum on, or run VACUUM ANALYZE on this database regularly/);
  });
});
