import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * The misspelled-variable warnings were logged by `start` only after the app was built, so never
 * when they would explain its failure, and never by one-shot commands; a one-shot command gave
 * the logger MAILROOM_LOG_LEVEL as written (" info": a pino stack trace).
 */
describe('the configuration as every command reads it', { timeout: 120_000 }, () => {
  const parent = mkdtempSync(path.join(tmpdir(), 'mailroom-config-early-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('a one-shot command warns of a misspelled variable, and takes MAILROOM_LOG_LEVEL and _FORMAT as the configuration does', async () => {
    const r = await runCli(['migrate'], { MAILROOM_DATA_DIR: path.join(parent, 'one-shot'), MAILROOM_LOG_LEVEL: ' INFO', MAILROOM_LOG_FORMAT: 'JSON', MAILROOM_REALY_PORT: '2587' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => l.msg)).toContain('MAILROOM_REALY_PORT is not a Mailroom setting and is ignored: did you mean MAILROOM_RELAY_PORT?');
    // At info, as asked (a one-shot command's default is warn).
    expect(lines.map((l) => l.msg)).toContain('database migrations applied');
  });

  it('start: a misspelling that makes it fail is warned of first and named with the refusal', async () => {
    const r = await runCli(['start'], {
      MAILROOM_DATA_DIR: path.join(parent, 'start'),
      MAILROOM_PORT: '0',
      MAILROOM_LOG_LEVEL: 'warn',
      MAILROOM_LOG_FORMAT: 'json',
      MAILROOM_SMPT_HOST: 'smtp.example.com',
      MAILROOM_SMTP_PORT: '587',
      MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
      MAILROOM_MAIL_FROM_NAME: 'App',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('MAILROOM_SMPT_HOST is not a Mailroom setting and is ignored: did you mean MAILROOM_SMTP_HOST?');
    expect(r.stderr).toMatch(/missing MAILROOM_SMTP_HOST[^\n]*\n {2}\(MAILROOM_SMPT_HOST is set: a misspelling of MAILROOM_SMTP_HOST\?\)\n {2}\(MAILROOM_E_CONFIG\)/);
  });
});
