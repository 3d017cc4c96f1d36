import { describe, expect, it } from 'vitest';
import { passwordFrom } from '../../src/cli/password-option.js';
import { loadConfig } from '../../src/config.js';
import { parseDeployVars } from '../../src/core/senders/deploy-vars.js';
import { readEnvRef } from '../../src/secrets/references.js';

/**
 * A password taken from the environment drops one trailing line ending, as one from a file or
 * standard input does: a variable filled from a secret file (Docker, Kubernetes) often ends in
 * one nobody typed, and a first admin created with it could never sign in. Anything else is the
 * password, spaces included.
 */
describe('passwords from the environment', () => {
  it('the first admin', () => {
    expect(loadConfig({ MAILROOM_ADMIN_EMAIL: 'a@example.com', MAILROOM_ADMIN_PASSWORD: 'Admin-Pass-1234\n' }).admin.password).toBe('Admin-Pass-1234');
    expect(loadConfig({ MAILROOM_ADMIN_EMAIL: 'a@example.com', MAILROOM_ADMIN_PASSWORD: 'Admin-Pass-1234\r\n' }).admin.password).toBe('Admin-Pass-1234');
    expect(loadConfig({ MAILROOM_ADMIN_EMAIL: 'a@example.com', MAILROOM_ADMIN_PASSWORD: ' spaced pass 12 ' }).admin.password).toBe(' spaced pass 12 ');
    expect(loadConfig({ MAILROOM_ADMIN_PASSWORD: '\n' }).admin.password).toBeUndefined();
  });

  it('--password-env, and an empty one is refused by name', async () => {
    process.env.TEST_PW_NL = 'EnvPassword-1234\n';
    process.env.TEST_PW_EMPTY = '\n';
    try {
      expect(await passwordFrom({ passwordEnv: 'TEST_PW_NL' })).toBe('EnvPassword-1234');
      await expect(passwordFrom({ passwordEnv: 'TEST_PW_EMPTY' })).rejects.toThrow('--password-env: TEST_PW_EMPTY is empty');
    } finally {
      delete process.env.TEST_PW_NL;
      delete process.env.TEST_PW_EMPTY;
    }
  });

  it('an env: reference and MAILROOM_SMTP_PASSWORD', () => {
    expect(readEnvRef('env:SMTP_PW', 'SMTP_PW', { SMTP_PW: 's3cret\n' })).toBe('s3cret');
    expect(() => readEnvRef('env:SMTP_PW', 'SMTP_PW', { SMTP_PW: '\n' })).toThrow(/not set/);
    const vars = parseDeployVars('smtp', { MAILROOM_SMTP_HOST: 'smtp.example.com', MAILROOM_SMTP_USERNAME: 'u', MAILROOM_SMTP_PORT: '587', MAILROOM_SMTP_PASSWORD: 'p w\n', MAILROOM_MAIL_FROM_ADDRESS: 'a@example.com', MAILROOM_MAIL_FROM_NAME: 'A' });
    expect(vars?.password).toBe('p w');
  });
});
