import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';

/**
 * `mailroom send` beside a running `mailroom start` (which made the sending account from the
 * MAILROOM_SMTP_* settings; the port is closed, nothing is delivered): a refusal about a field
 * the command filled from an option names the option the user typed, also where the sentence
 * begins with the field (`idempotencyKey "k" was first used …`) rather than `field: …`.
 */
describe('mailroom send names its options in refusals', { timeout: 240_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: RunningMailroom | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-fields-'));
    env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '', DATABASE_URL: '', MAILROOM_SECRET_KEY: '', MAILROOM_SMTP_HOST: '127.0.0.1', MAILROOM_SMTP_PORT: '9', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_MAIL_FROM_NAME: 'App' };
    server = await startCli(env);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an idempotency key reused with another message is refused naming --idempotency-key', async () => {
    const first = await runCli(['send', '--to', 'ops@example.net', '--subject', 'invoice 42', '--text', 'x', '--idempotency-key', 'invoice-42'], env);
    expect(first.code, first.stderr).toBe(0);
    const other = await runCli(['send', '--to', 'ops@example.net', '--subject', 'invoice 43', '--text', 'x', '--idempotency-key', 'invoice-42'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^mailroom: --idempotency-key "invoice-42" was first used at .* with a different request; nothing was stored or sent\. .*use a new --idempotency-key for a new request\n {2}\(MAILROOM_E_IDEMPOTENCY_MISMATCH\)/m);
    expect(other.stderr).not.toContain('idempotencyKey');
  });

  it('a purpose that does not exist and a subject too long name --purpose and --subject', async () => {
    const purpose = await runCli(['send', '--to', 'ops@example.net', '--subject', 'hi', '--text', 'x', '--purpose', 'newsletter'], env);
    expect(purpose.code).toBe(1);
    expect(purpose.stderr).toContain('mailroom: --purpose "newsletter" does not exist: ');
    const subject = await runCli(['send', '--to', 'ops@example.net', '--subject', 's'.repeat(999), '--text', 'x'], env);
    expect(subject.code).toBe(1);
    expect(subject.stderr).toContain('mailroom: --subject is 999 characters; the limit is 998\n  (MAILROOM_E_SUBJECT_TOO_LONG)');
  });

  it('a refusal that begins with field: still names the option (as before)', async () => {
    const account = await runCli(['send', '--to', 'ops@example.net', '--subject', 'hi', '--text', 'x', '--account', 'billing'], env);
    expect(account.stderr).toContain('mailroom: --account: account billing does not exist');
  });
});
