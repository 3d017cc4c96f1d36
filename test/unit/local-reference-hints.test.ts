import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvRef, readFileRef } from '../../src/secrets/references.js';
import { tempDir } from '../helpers/diagnostics-peers.js';

/**
 * An env: or file: reference that cannot be read says what to change for that kind of
 * reference (a reader trying docs/secrets.md got "set the variable or file, or fix the secret
 * or provider it names" for a typo in a path), with the stable code and never a value.
 */
const hintOf = (err: unknown) => (err as { details?: { hint?: string } }).details?.hint;
const codeOf = (err: unknown) => (err as { code?: string }).code;

describe('env: and file: references that cannot be read', () => {
  it('env: an unset variable names the variable and where it must be set', () => {
    let err: unknown;
    try {
      readEnvRef('env:SMTP_PASSWORD', 'SMTP_PASSWORD', {});
    } catch (e) {
      err = e;
    }
    expect(codeOf(err)).toBe('MAILROOM_E_SECRET_UNRESOLVED');
    expect(hintOf(err)).toMatch(/SMTP_PASSWORD.*Mailroom's environment.*restart/);
  });

  it('file: a missing file, a directory, an unreadable file and a too large one each get their own hint', async () => {
    const dir = tempDir('mailroom-file-ref-');
    const hint = async (file: string) => {
      try {
        await readFileRef(`file:${file}`, file);
      } catch (e) {
        expect(codeOf(e)).toBe('MAILROOM_E_SECRET_UNRESOLVED');
        return hintOf(e);
      }
      throw new Error('read');
    };
    expect(await hint(path.join(dir, 'missing'))).toMatch(/no file at this path.*mount/i);
    mkdirSync(path.join(dir, 'sub'));
    expect(await hint(path.join(dir, 'sub'))).toMatch(/only a regular file of at most 64 KiB/);
    writeFileSync(path.join(dir, 'big'), 'x'.repeat(70_000));
    expect(await hint(path.join(dir, 'big'))).toMatch(/only a regular file of at most 64 KiB/);
    if (process.getuid?.() !== 0) {
      writeFileSync(path.join(dir, 'locked'), 'pw');
      chmodSync(path.join(dir, 'locked'), 0o000);
      expect(await hint(path.join(dir, 'locked'))).toMatch(/user Mailroom runs as cannot read/);
    }
  });
});
