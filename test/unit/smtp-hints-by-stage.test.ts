import { describe, expect, it } from 'vitest';
import { hintForCertificate, hintForReply, hintForTlsHandshake, type HintContext } from '../../src/core/probes/smtp-hints.js';
import { reportFromError } from '../../src/delivery/smtp/smtp-errors.js';

const tls: HintContext = { host: 'smtp.example.com', port: 465, security: 'tls' };
const withLogin: HintContext = { ...tls, user: 'app@example.com' };
const reply = (code: number, enhanced: string | null, text: string) => ({ code, enhanced, text: `${code} ${enhanced ? `${enhanced} ` : ''}${text}` });

/**
 * RFC 3463's 5.7.0 is "other or undefined security status": any policy refusal. "Set a user name
 * and password" is the fix only where a login was due and none is set.
 */
describe('a 530 / 5.7.0 refusal, by stage and by whether credentials are set', () => {
  it('at the greeting or EHLO: a refusal of this client before any login, whatever the credentials', () => {
    for (const c of [tls, withLogin]) {
      const hint = hintForReply('ehlo', reply(554, '5.7.0', 'Access denied'), c) ?? '';
      expect(hint).toMatch(/before any login/);
      expect(hint).not.toMatch(/Set a user name/);
    }
    expect(hintForReply('ehlo', reply(554, '5.7.0', 'Access denied'), withLogin)).toMatch(/the credentials are not the cause/);
  });

  it('at AUTH: a refusal by policy, not a wrong password and not "set a user name"', () => {
    const hint = hintForReply('auth', reply(554, '5.7.0', 'Account disabled'), withLogin) ?? '';
    expect(hint).toMatch(/refused the login by policy/);
    expect(hint).not.toMatch(/Set a user name/);
  });

  it('while sending: "set a user name" only when none is set; with one set, why the server still asks', () => {
    const asks = reply(530, '5.7.0', 'Authentication required');
    expect(hintForReply('send', asks, tls)).toBe('The server requires authentication before sending. Set a user name and password on the account.');
    const set = hintForReply('send', asks, withLogin) ?? '';
    expect(set).toMatch(/A login \(app@example\.com\) is set/);
    expect(set).toMatch(/offered no AUTH on this port/);
    expect(set).not.toMatch(/Set a user name/);
  });

  it('while sending, a 5.7.0 that does not ask for a login is the policy refusal (sender, relay, address)', () => {
    const hint = hintForReply('send', reply(554, '5.7.0', 'Message refused by policy'), withLogin) ?? '';
    expect(hint).toMatch(/refused by policy/);
    expect(hint).not.toMatch(/Set a user name|requires authentication/);
  });

  it('STARTTLS required keeps its own hint', () => {
    expect(hintForReply('send', reply(530, '5.7.0', 'Must issue a STARTTLS command first'), withLogin)).toMatch(/requires STARTTLS/);
  });
});

describe('a TLS handshake that failed before any certificate was judged', () => {
  it('is no refused certificate: a reset, a timeout or an alert has its own words', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'TLS_TIMEOUT', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']) expect(hintForCertificate(code, tls), code).toBeUndefined();
    expect(hintForCertificate('CERT_REVOKED', tls)).toBe('The certificate was refused (CERT_REVOKED).');
    expect(hintForTlsHandshake('ECONNRESET', tls, 'starttls')).toMatch(/^The server closed the connection during the TLS handshake \(it had accepted STARTTLS\)/);
    expect(hintForTlsHandshake('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', tls, 'starttls')).toMatch(/no TLS version or cipher in common/);
  });

  it("in delivery's report too", () => {
    const reset = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ETLS', originalCode: 'ECONNRESET', command: 'CONN' });
    const hint = reportFromError(reset, undefined, { host: 'smtp.example.com', port: 587, security: 'starttls' }).failure?.hint ?? '';
    expect(hint).toMatch(/closed the connection during the TLS handshake/);
    expect(hint).not.toMatch(/certificate was refused/);
  });
});

describe("delivery's words for a timeout while connecting", () => {
  const at: HintContext = { host: 'smtp.example.com', port: 587, security: 'starttls' };
  it('no TCP connection: a firewall or a host that is down', () => {
    const err = Object.assign(new Error('connecting took longer than the connect timeout (1 s)'), { code: 'ETIMEDOUT', command: 'CONN', opening: { secured: false, connected: false, greeted: false } });
    expect(reportFromError(err, undefined, at).failure?.hint).toMatch(/timed out: a firewall drops the packets or the host is down/);
  });

  it('connected but never greeted: the server keeps quiet, no firewall', () => {
    const err = Object.assign(new Error('connecting took longer than the connect timeout (1 s)'), { code: 'ETIMEDOUT', command: 'CONN', opening: { secured: false, connected: true, greeted: false } });
    const hint = reportFromError(err, undefined, at).failure?.hint ?? '';
    expect(hint).toMatch(/^Mailroom connected to smtp\.example\.com:587, but the server never sent its greeting/);
    expect(hint).not.toMatch(/firewall drops/);
  });

  it('connected and greeted, then stuck at EHLO or AUTH: still the connect-phase words', () => {
    const err = Object.assign(new Error('connecting took longer than the connect timeout (1 s)'), { code: 'ETIMEDOUT', command: 'EHLO', opening: { secured: false, connected: true, greeted: true } });
    expect(reportFromError(err, undefined, at).failure?.hint).not.toMatch(/never sent its greeting/);
  });
});
