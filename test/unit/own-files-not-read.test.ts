import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readFileRef } from '../../src/secrets/references.js';
import { tempDir } from '../helpers/diagnostics-peers.js';

/**
 * A file: reference never reads Mailroom's own files: a whole directory (the data dir) or one
 * file (the relay's TLS key, MAILROOM_RELAY_TLS_KEY, which may live anywhere), also through a
 * symbolic link. Their contents would otherwise leave as an SMTP password or a client secret.
 */
it("refuses a file named in ownDirs, or inside one, also through a symlink; reads others", async () => {
  const dir = tempDir('mailroom-own-files-');
  const data = path.join(dir, 'data');
  const relayKey = path.join(dir, 'relay.key');
  const other = path.join(dir, 'smtp-password');
  writeFileSync(relayKey, 'KEY');
  writeFileSync(other, 'pw\n');
  symlinkSync(relayKey, path.join(dir, 'innocent'));
  const own = [data, relayKey];
  for (const file of [relayKey, path.join(dir, 'innocent')]) {
    await expect(readFileRef(`file:${file}`, file, own)).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED', message: expect.stringContaining("is one of Mailroom's own files") });
  }
  expect(await readFileRef(`file:${other}`, other, own)).toBe('pw');
});
