import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * AUTH is offered only inside TLS (as Postfix's smtpd_tls_auth_only): advertised on a plain
 * connection, a client that does not insist on STARTTLS (swaks without --tls, an application
 * with TLS switched off by mistake) sends the password in clear text, and the 538 that follows
 * comes too late. Before STARTTLS the EHLO answer names STARTTLS and no AUTH; after it, AUTH
 * PLAIN LOGIN; on the implicit-TLS port at once. AUTH sent anyway before TLS is still 538.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('SMTP relay: AUTH is offered inside TLS only', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect, { delivery: false });

  it('does not advertise AUTH before STARTTLS, and does after it', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.reply();
    const plain = await c.command('EHLO client.test');
    expect(plain).toContain('STARTTLS');
    expect(plain).not.toMatch(/AUTH/);
    expect(await c.command('AUTH LOGIN')).toMatch(/^538 /);
    expectCode(await c.command('STARTTLS'), 220);
    await c.upgrade();
    const secure = await c.command('EHLO client.test');
    expect(secure).toMatch(/^250-.*AUTH PLAIN LOGIN/ms);
    expect(secure).not.toContain('STARTTLS');
    c.close();
  });

  it('advertises AUTH at once on the implicit-TLS port', async () => {
    const c = await RawSmtp.connect(suite.r.tlsPort, { implicitTls: true });
    await c.reply();
    expect(await c.command('EHLO client.test')).toMatch(/AUTH PLAIN LOGIN/);
    c.close();
  });

  // A parameter of an extension the EHLO answer does not name would be accepted and ignored:
  // REQUIRETLS would go out without TLS, NOTIFY=SUCCESS would never be answered, SMTPUTF8 mail
  // would be relayed as if it were ASCII. RFC 5321 4.1.1.11: 555 for what is not implemented.
  it('refuses MAIL and RCPT parameters of extensions it does not offer with 555, and keeps SIZE, BODY and AUTH', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    for (const param of ['SMTPUTF8', 'REQUIRETLS', 'RET=HDRS', 'ENVID=abc', 'MT-PRIORITY=3', 'FOO=bar']) {
      expect(await c.command(`MAIL FROM:<app@example.com> ${param}`)).toMatch(new RegExp(`^555 5\\.5\\.4 .*${param.split('=')[0]}`));
    }
    expectCode(await c.command('MAIL FROM:<app@example.com> SIZE=100 BODY=8BITMIME AUTH=<>'), 250);
    for (const param of ['NOTIFY=SUCCESS', 'ORCPT=rfc822;a@example.net', 'XYZ=1']) {
      expect(await c.command(`RCPT TO:<a@example.net> ${param}`)).toMatch(new RegExp(`^555 5\\.5\\.4 .*${param.split('=')[0]}`));
    }
    expectCode(await c.command('RCPT TO:<a@example.net>'), 250);
    c.close();
  });
});
