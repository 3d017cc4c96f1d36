import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT, runCli } from '../helpers/cli.js';

/**
 * Files of the data directory that cannot be read or parsed printed a stack trace ("Error:
 * EACCES … at loadKeyring", "error:0480006C:PEM routines::no start line at new X509Certificate …
 * relayCertificate"), the relay's after the migrations and the first admin had already run.
 * They are refused with MAILROOM_E_CONFIG naming the file and what to do, before the store opens.
 */
describe('unreadable or damaged files in the data directory', { timeout: 120_000 }, () => {
  const parent = mkdtempSync(path.join(tmpdir(), 'mailroom-data-files-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const env = (dataDir: string) => ({ MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn' });

  it('secret.key a directory: named, EISDIR, before the migrations', async () => {
    const dataDir = path.join(parent, 'key-dir');
    mkdirSync(path.join(dataDir, 'secret.key'), { recursive: true });
    const r = await runCli(['migrate'], env(dataDir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mailroom: cannot read the master key file ${path.join(dataDir, 'secret.key')}: it is a directory (EISDIR), not a file`);
    expect(r.stderr).toContain('(MAILROOM_E_CONFIG)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dataDir, 'mailroom.db'))).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('secret.key owned by root, mode 0600, Mailroom run as another user: permission denied, with the user and chown', async () => {
    const dataDir = path.join(parent, 'key-root');
    mkdirSync(dataDir, { recursive: true });
    chmodSync(parent, 0o755);
    chownSync(dataDir, 65534, 65534);
    writeFileSync(path.join(dataDir, 'secret.key'), `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [...CLI_COMMAND, 'migrate'], { cwd: ROOT, uid: 65534, gid: 65534, env: { ...process.env, ...env(dataDir), HOME: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`mailroom: cannot read the master key file ${path.join(dataDir, 'secret.key')}: permission denied \\(EACCES\\) for user (nobody|uid 65534); give this user the file and its directory \\(chown`));
    expect(r.stderr).toContain('(MAILROOM_E_CONFIG)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dataDir, 'mailroom.db'))).toBe(false);
  });

  it('the relay\'s kept certificate no PEM: says which files to delete, before the store opens', async () => {
    const dataDir = path.join(parent, 'relay-garbage');
    mkdirSync(path.join(dataDir, 'relay-tls'), { recursive: true });
    const certFile = path.join(dataDir, 'relay-tls', 'cert.pem');
    const keyFile = path.join(dataDir, 'relay-tls', 'key.pem');
    writeFileSync(certFile, 'garbage\n');
    writeFileSync(keyFile, 'garbage\n', { mode: 0o600 });
    const r = await runCli(['start'], { ...env(dataDir), MAILROOM_PORT: '0', MAILROOM_RELAY_PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mailroom: the SMTP relay's self-signed certificate in ${path.join(dataDir, 'relay-tls')} cannot be used: ${certFile} is not a PEM certificate`);
    expect(r.stderr).toContain(`delete ${certFile} and ${keyFile} and start again to have a new pair made`);
    expect(r.stderr).toContain('(MAILROOM_E_CONFIG)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toContain('first admin');
    expect(existsSync(path.join(dataDir, 'mailroom.db'))).toBe(false);
  });
});
