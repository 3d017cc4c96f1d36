import { describe, expect, it } from 'vitest';
import { loadConfig, withMisspellingHints } from '../../src/config.js';
import { ErrorCodes, MailroomError } from '../../src/core/kernel/errors.js';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toMatchObject({ code: 'MAILROOM_E_CONFIG' });
    return (err as Error).message;
  }
  throw new Error('the configuration was taken');
}

/** Values the configuration read unlike its neighbours, found by a hunt through the CLI. */
describe('the configuration takes words in any case, refuses blanks and names every bad entry', () => {
  it('MAILROOM_LOG_FORMAT in any case, as MAILROOM_LOG_LEVEL (JSON was refused while WARN was taken)', () => {
    expect(loadConfig({ MAILROOM_LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(loadConfig({ MAILROOM_LOG_FORMAT: ' Pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(refusal({ MAILROOM_LOG_FORMAT: 'XML' })).toContain('MAILROOM_LOG_FORMAT must be "json" or "pretty" (unset: readable lines on a terminal, JSON otherwise), got "XML"');
  });

  it('refuses a MAILROOM_ADMIN_PASSWORD of blanks only (it was taken as the first admin\'s password)', () => {
    for (const blank of [' ', '            ', '\t \t', '   \n']) {
      expect(refusal({ MAILROOM_ADMIN_PASSWORD: blank })).toContain('MAILROOM_ADMIN_PASSWORD is only blanks');
    }
    // A line ending alone is what an empty secret file holds: unset, as before.
    expect(loadConfig({ MAILROOM_ADMIN_PASSWORD: '\n' }).admin.password).toBeUndefined();
    expect(loadConfig({ MAILROOM_ADMIN_PASSWORD: ' a password with spaces ' }).admin.password).toBe(' a password with spaces ');
  });

  it('names every bad entry of MAILROOM_DNS_SERVERS and MAILROOM_ALLOW_PRIVATE_HOSTS, not the first only', () => {
    const message = refusal({ MAILROOM_DNS_SERVERS: '10.0.0.2, notanip, 127.0.0.1:0, alsobad', MAILROOM_ALLOW_PRIVATE_HOSTS: 'foo..bar, 10.0.0.0/8, bad!host' });
    for (const entry of ['notanip', '127.0.0.1:0', 'alsobad']) expect(message).toMatch(new RegExp(`MAILROOM_DNS_SERVERS: .*${entry.replace('.', '\\.')}`));
    expect(message).toContain('MAILROOM_ALLOW_PRIVATE_HOSTS: "foo..bar" is neither an address, a CIDR range nor a host name');
    expect(message).toContain('MAILROOM_ALLOW_PRIVATE_HOSTS: "bad!host" is neither an address, a CIDR range nor a host name');
    // The good entries are not among them.
    expect(message.match(/- MAILROOM_DNS_SERVERS: /g)).toHaveLength(3);
    expect(message.match(/- MAILROOM_ALLOW_PRIVATE_HOSTS: /g)).toHaveLength(2);
  });

  it('a refusal naming a setting whose misspelling is set names the misspelling below it', () => {
    const message = refusal({ MAILROOM_RELAY_TLS_CERT: '/x/cert.pem', MAILROOM_REALY_PORT: '2587', MAILROOM_LOGLEVEL: 'debug' });
    expect(message).toMatch(/MAILROOM_RELAY_TLS_CERT is set but MAILROOM_RELAY_PORT is not[^\n]*\n {2}\(MAILROOM_REALY_PORT is set: a misspelling of MAILROOM_RELAY_PORT\?\)$/);
    // One the refusal does not name is left to the warnings.
    expect(message).not.toContain('MAILROOM_LOGLEVEL');
    // The same for a refusal made later (the deploy-time server's variables, read while the store opens).
    const later = new MailroomError(ErrorCodes.CONFIG, 'invalid deploy-time SMTP configuration: missing MAILROOM_SMTP_HOST (with MAILROOM_MAIL_DRIVER=smtp, …)');
    expect((withMisspellingHints(later, { MAILROOM_SMPT_HOST: 'smtp.example.com' }) as Error).message).toBe(`${later.message}\n  (MAILROOM_SMPT_HOST is set: a misspelling of MAILROOM_SMTP_HOST?)`);
    expect(withMisspellingHints(later, {})).toBe(later);
    const other = new MailroomError(ErrorCodes.VALIDATION, 'missing MAILROOM_SMTP_HOST');
    expect(withMisspellingHints(other, { MAILROOM_SMPT_HOST: 'x' })).toBe(other);
  });
});
