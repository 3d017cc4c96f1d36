import { describe, expect, it } from 'vitest';
import { reportFromError, reportFromInfo } from '../../src/delivery/smtp/smtp-errors.js';

/**
 * The login is hidden from the server's words only: what nodemailer and Mailroom wrote (the
 * recipient an error is about, the error's code and command) stays as it was, whatever the
 * password is, or a refused recipient no longer matched its address (and was retried for days)
 * and a refused login was judged another kind of failure.
 */
const login = (value: string) => [{ value, user: 'app@example.com' }];

describe('the SMTP report hides the login from the server words only', () => {
  it('keeps a refused recipient whose address holds the password', () => {
    const rcpt = Object.assign(new Error('Recipient command failed: 550 5.1.1 <admin@corp.example>: unknown (admin)'), {
      code: 'EENVELOPE',
      command: 'RCPT TO',
      recipient: 'admin@corp.example',
      response: '550 5.1.1 <admin@corp.example>: unknown (admin)',
      responseCode: 550,
    });
    const all = Object.assign(new Error("Can't send mail - all recipients were rejected"), { code: 'EENVELOPE', command: 'RCPT TO', rejectedErrors: [rcpt] });
    const report = reportFromError(all, undefined, undefined, login('admin'));
    expect(report.rejected).toEqual([{ address: 'admin@corp.example', code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 <[redacted]@corp.example>: unknown ([redacted])' }]);
    const partly = reportFromInfo({ accepted: ['ok@corp.example'], rejectedErrors: [rcpt], response: '250 2.0.0 queued' }, login('admin'));
    expect(partly.rejected.map((r) => r.address)).toEqual(['admin@corp.example']);
  });

  it('judges a refused login by its code, whatever the password', () => {
    const err = Object.assign(new Error('Invalid login: 535 5.7.8 AUTH failed'), { code: 'EAUTH', command: 'AUTH PLAIN', response: '535 5.7.8 AUTH failed', responseCode: 535 });
    const report = reportFromError(err, undefined, undefined, login('AUTH'));
    expect(report.failure).toMatchObject({ kind: 'auth', code: 535 });
    expect(report.failure?.message).toBe('AUTH PLAIN: 535 5.7.8 [redacted] failed');
  });

  it('leaves short base64 alone: a one-letter password is no reason to blank "YQ" in a queue id', () => {
    const report = reportFromInfo({ accepted: ['ok@corp.example'], response: '250 2.0.0 Ok: queued as YQ12345' }, login('a'));
    expect(report.response).toBe('250 2.0.0 Ok: queued as YQ12345');
  });
});
