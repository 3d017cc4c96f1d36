import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDirectory } from '../../src/ensure-directory.js';

describe('ensureDirectory (the data directory and the relay certificate directory)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mailroom-dir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the directory and its missing parents, each readable by the owner only', () => {
    const dir = path.join(root, 'a', 'b', 'data');
    ensureDirectory(dir, 'data directory');
    for (const d of [path.join(root, 'a'), path.join(root, 'a', 'b'), dir]) expect(statSync(d).mode & 0o777).toBe(0o700);
    // Again: nothing to do, no error.
    ensureDirectory(dir, 'data directory');
  });

  it('refuses a file where the directory should be, or above it, naming the file', () => {
    const file = path.join(root, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => ensureDirectory(file, 'data directory')).toThrow(`cannot use ${file} as the data directory: it is a file, not a directory`);
    expect(() => ensureDirectory(path.join(file, 'sub'), 'data directory')).toThrow(`${file} is a file, not a directory`);
    try {
      ensureDirectory(path.join(file, 'sub'), 'data directory');
    } catch (err) {
      expect((err as { code?: string }).code).toBe('MAILROOM_E_CONFIG');
    }
  });

  // Node 20's recursive mkdirSync spins at full CPU forever here (procfs answers ENOENT).
  it.runIf(process.platform === 'linux')('refuses at once a directory the file system cannot create (under /proc)', () => {
    expect(() => ensureDirectory('/proc/mailroom-test/data', 'data directory')).toThrow('cannot use /proc/mailroom-test/data as the data directory: could not create /proc/mailroom-test (ENOENT)');
  }, 5_000);
});
