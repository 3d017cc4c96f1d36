import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * Libraries that take long to load and that most processes never use are imported where they
 * are used, not when the composition root is evaluated: every CLI command (and every test file)
 * would pay ~0.9 s of CPU for them otherwise. Checked on a real node process: after importing
 * src/app.ts none of them is in the module cache (all three are CommonJS packages, so an ESM
 * import of them lands in require.cache too); after using each adapter, it is.
 */
const LAZY = ['selfsigned', 'imapflow', 'mailparser'];

const loadedAfter = (script: string): string[] => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    await import(${JSON.stringify(path.join(ROOT, 'src/app.ts'))});
    ${script}
    const names = ${JSON.stringify(LAZY)};
    console.log(JSON.stringify(names.filter((n) => Object.keys(cache).some((f) => f.includes('/node_modules/' + n + '/')))));`], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout.trim()) as string[];
};

describe('lazily imported libraries', () => {
  it('are not loaded by the composition root', () => {
    expect(loadedAfter('')).toEqual([]);
  });

  it('are loaded once the adapter that needs them runs', () => {
    const src = (f: string) => JSON.stringify(path.join(ROOT, 'src', f));
    const loaded = loadedAfter(`
      const { mailparserHeaderReader } = await import(${src('relay/header-reader.ts')});
      await mailparserHeaderReader.read(Buffer.from('Subject: hi\\r\\n'));
      const { relayCertificate } = await import(${src('relay/certificate.ts')});
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(tmpdir() + '/lazy-imports-');
      try {
        await relayCertificate({ host: '127.0.0.1' }, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const { imapClient } = await import(${src('inbound/imap-client.ts')});
      const client = await imapClient({ name: 's', imap: { host: '127.0.0.1', port: 1, security: 'none' }, smtp: { host: '127.0.0.1', port: 1, security: 'none', tlsTrust: { mode: 'system' } } }, { address: 'a@example.com', auth: { type: 'password' } }, 'secret', { timeoutMs: 1000, maxIdleMs: 60000 });
      if (typeof client.connect !== 'function') throw new Error('not an imapflow client');`);
    expect(loaded.sort()).toEqual([...LAZY].sort());
  });
});
