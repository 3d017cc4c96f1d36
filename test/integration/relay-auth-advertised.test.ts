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
});
