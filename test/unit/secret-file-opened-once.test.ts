import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { checkOpenedSecretFile, readFileRef } from '../../src/secrets/references.js';
import { startFileSwapper, type FileSwapper } from '../helpers/file-swapper.js';
import { tempDirs } from '../helpers/temp-dirs.js';

/**
 * A file: reference is judged on the file it has open, and read from that same handle. It was
 * judged by name (stat, realpath) and then opened again by name: a process swapping the file for
 * a symbolic link to <dataDir>/secret.key in between got the master key sent as the SMTP
 * password (docs/secrets.md: files in the data directory are never read, also through a link).
 */
const dirs = tempDirs('mailroom-secret-file-');
const KEY = 'MASTER-KEY-never-leaves-0123456789abcdef';

function layout() {
  const dir = dirs();
  const data = path.join(dir, 'data');
  mkdirSync(data);
  const key = path.join(data, 'secret.key');
  writeFileSync(key, KEY);
  return { dir, data, key };
}

it('refuses the handle of a file opened through a link to the key file, a hard link to it, and /proc; passes a secret file', async () => {
  const { dir, data, key } = layout();
  const link = path.join(dir, 'pw-link');
  symlinkSync(key, link);
  const hard = path.join(dir, 'pw-hard');
  linkSync(key, hard);
  const secret = path.join(dir, 'pw');
  writeFileSync(secret, 'pw\n');
  const judge = async (file: string) => {
    const handle = await open(file, 'r');
    try {
      await checkOpenedSecretFile(`file:${file}`, handle, file, [data]);
    } finally {
      await handle.close();
    }
  };
  // The name it was opened by says nothing once opened: the link is judged by the key it opened.
  await expect(judge(link)).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED', message: expect.stringContaining("is one of Mailroom's own files") });
  // Another name for the same file (outside the data directory): the same file, by device and inode.
  await expect(judge(hard)).rejects.toMatchObject({ message: expect.stringContaining("is one of Mailroom's own files") });
  await expect(judge('/proc/self/environ')).rejects.toMatchObject({ message: expect.stringContaining("the file is the system's (under /proc or /sys)") });
  await expect(judge(secret)).resolves.toBeUndefined();
});

let swapper: FileSwapper | undefined;
afterAll(async () => swapper?.stop());

it('never returns the key while another process swaps the secret file and a link to the key', async () => {
  const { dir, data, key } = layout();
  const file = path.join(dir, 'pw');
  writeFileSync(file, 'the-smtp-password');
  swapper = await startFileSwapper(file, 'the-smtp-password', key);
  const seen = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const got = await readFileRef(`file:${file}`, file, [data]).then(
      (v) => (v === KEY ? 'the key' : v === 'the-smtp-password' ? 'the password' : `other: ${v}`),
      (err: Error) => (err.message.includes("is one of Mailroom's own files") ? 'refused' : `error: ${err.message}`),
    );
    seen.set(got, (seen.get(got) ?? 0) + 1);
  }
  await swapper.stop();
  expect(seen.get('the key') ?? 0, JSON.stringify([...seen])).toBe(0);
  // Both sides of the swap were seen: the race was run, not missed.
  expect(seen.get('the password') ?? 0).toBeGreaterThan(0);
  expect(seen.get('refused') ?? 0).toBeGreaterThan(0);
});
