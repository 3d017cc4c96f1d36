import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

/**
 * Switching MAILROOM_MAIL_DRIVER between starts, as the README's tour invites. The log driver's
 * stand-in account (mailroom@mailroom.invalid on localhost:25) stayed the default sender after a
 * switch to smtp, and setup said "complete": real mail went to port 25 of the machine. And a
 * switch to the log driver marked mail accepted before as `logged`, without a word.
 */
let dataDir: string;
let env: Record<string, string>;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-drivers-'));
  env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '', DATABASE_URL: '', MAILROOM_SECRET_KEY: '', MAILROOM_LOG_FORMAT: 'json' };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('after the log driver, the smtp driver says the stand-in sender must be replaced; back on the log driver, the waiting mail is counted', async () => {
  const logStart = await startCli({ ...env, MAILROOM_MAIL_DRIVER: 'log' });
  await logStart.stop();
  const key = (await runCli(['apikey', 'create', '--name', 'switcher', '--scopes', 'send,read'], env)).stdout.trim();
  expect(key).toMatch(/^mrk_/);
  const call = (base: string, method: string, url: string, body?: unknown) =>
    fetch(`${base}/api/v1${url}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  const smtpStart = await startCli({ ...env, MAILROOM_MAIL_DRIVER: 'smtp' });
  try {
    const status = await (await call(smtpStart.url, 'GET', '/setup/status')).json();
    expect(status.complete).toBe(false);
    const gap = status.missing.find((m: { code: string }) => m.code === 'log_driver_stand_in');
    expect(gap?.message).toMatch(/mailroom@mailroom\.invalid, which the log driver made as a stand-in, is active and the default sender/);
    // Mail accepted for later under the smtp driver.
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    for (const subject of ['one', 'two']) expect((await call(smtpStart.url, 'POST', '/messages', { to: ['ops@example.net'], subject, text: 'x', sendAt })).status).toBe(202);
  } finally {
    await smtpStart.stop();
  }

  const backToLog = await startCli({ ...env, MAILROOM_MAIL_DRIVER: 'log' });
  await backToLog.stop();
  const warning = backToLog
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; queued?: number })
    .find((l) => l.msg.includes('waiting in the queue'));
  expect(warning?.msg).toMatch(/MAILROOM_MAIL_DRIVER=log: 2 messages waiting in the queue .* will be marked logged as they come due, never sent/);
  expect(warning?.queued).toBe(2);
}, 120_000);
