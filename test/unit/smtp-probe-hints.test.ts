import { describe, expect, it } from 'vitest';
import { hintForConnectError, hintForProtocolViolation, hintForReply, hintPlainTextLogin, type HintContext } from '../../src/core/probes/smtp-hints.js';
import { reportFromError } from '../../src/delivery/smtp/smtp-errors.js';

const at: HintContext = { host: 'smtp.example.com', port: 587, security: 'starttls' };

describe('hints for a dropped connection depend on how far the conversation got', () => {
  it('before the server has answered EHLO, a reset still points at the TLS mode (unchanged)', () => {
    expect(hintForConnectError('ECONNRESET', at)).toContain('wrong TLS mode');
    expect(hintForConnectError('ECONNRESET', at, 'connecting')).toContain('wrong TLS mode');
    expect(hintForConnectError('ECONNECTION', at, 'connecting')).toBeUndefined();
  });

  it('once EHLO succeeded, a reset or close is never blamed on the TLS mode', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ECONNECTION']) {
      for (const stage of ['session', 'message'] as const) {
        const hint = hintForConnectError(code, at, stage);
        expect(hint, `${code} ${stage}`).toBeDefined();
        expect(hint).not.toMatch(/TLS mode/);
      }
    }
    expect(hintForConnectError('ECONNRESET', at, 'message')).toContain('after DATA');
    expect(hintForConnectError('ECONNRESET', at, 'session')).toContain('after EHLO');
  });

  it('other errors keep their hints whatever the stage', () => {
    expect(hintForConnectError('ETIMEDOUT', at, 'message')).toBe(hintForConnectError('ETIMEDOUT', at));
  });
});

describe('credentials over a connection that stays unencrypted', () => {
  it('says to use security "starttls" when the server offers it', () => {
    const hint = hintPlainTextLogin(true);
    expect(hint).toContain('Set security to "starttls"');
    expect(hint).not.toContain('does not offer STARTTLS');
  });

  it('says encryption is off by the setting, not stripped, and to choose STARTTLS or TLS to log in', () => {
    const hint = hintPlainTextLogin(false);
    expect(hint).toContain('Encryption is off (security "none")');
    expect(hint).toContain('set security to "starttls" or "tls"');
    expect(hint).not.toContain('middlebox');
  });
});

describe('a protocol violation', () => {
  it('is explained in plain words', () => {
    expect(hintForProtocolViolation()).toMatch(/protocol/);
  });
});

describe("delivery's hints", () => {
  it('a connection dropped after the whole message went out is not blamed on the TLS mode', () => {
    const dropped = Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION', possibleDuplicate: 'the connection closed after the message was sent' });
    const report = reportFromError(dropped, undefined, at);
    expect(report.failure?.hint).toContain('after DATA');
    expect(report.failure?.hint ?? '').not.toMatch(/TLS mode/);
    const early = Object.assign(new Error('read ECONNRESET'), { code: 'ESOCKET', originalCode: 'ECONNRESET' });
    expect(reportFromError(early, undefined, at).failure?.hint).toContain('wrong TLS mode');
  });

  it('a STARTTLS refused with 454 is the server TLS setup, not a rate limit', () => {
    expect(hintForReply('starttls', { code: 454, enhanced: '4.7.0', text: 'TLS not available due to local problem' }, at)).toContain('cannot start TLS');
  });
});
