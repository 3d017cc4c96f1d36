import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { runCli } from '../helpers/cli.js';

/**
 * A data directory whose mailroom.db is no usable database (another file under the name, a
 * damaged one, a directory) is refused in one line that names the file and what to do, with
 * MAILROOM_E_CONFIG: before, every command printed better-sqlite3's stack trace.
 */
const dirs: string[] = [];
const dataDir = (db?: 'garbage' | 'directory') => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-sqlite-refused-'));
  dirs.push(dir);
  if (db === 'garbage') writeFileSync(path.join(dir, 'mailroom.db'), 'this is no database, but it is long enough to be read as one '.repeat(20));
  if (db === 'directory') mkdirSync(path.join(dir, 'mailroom.db'));
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('an unusable SQLite file', () => {
  it('another file under the name: not an SQLite database, restore or move it away', () => {
    const dir = dataDir('garbage');
    expect(() => openDatabase({ dataDir: dir })).toThrow(
      expect.objectContaining({ code: 'MAILROOM_E_CONFIG', message: `cannot open the SQLite database ${path.join(dir, 'mailroom.db')}: it is not an SQLite database (another file under that name, or a damaged one); restore it from a backup, or move it away to start a new, empty store` }),
    );
  });

  it('a directory under the name', () => {
    const dir = dataDir('directory');
    expect(() => openDatabase({ dataDir: dir })).toThrow(expect.objectContaining({ code: 'MAILROOM_E_CONFIG', message: expect.stringContaining('it is a directory, not a database file') }));
  });

  it('the CLI says it in one line, without a stack trace', async () => {
    const dir = dataDir('garbage');
    const run = await runCli(['migrate'], { MAILROOM_DATA_DIR: dir, MAILROOM_MASTER_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`mailroom: cannot open the SQLite database ${path.join(dir, 'mailroom.db')}: it is not an SQLite database`);
    expect(run.stderr).toContain('MAILROOM_E_CONFIG');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
