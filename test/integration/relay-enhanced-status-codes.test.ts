import { execFile } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite, requireProgram } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * RFC 2034: a server whose replies carry enhanced status codes (5.7.8, 4.5.3 …) announces
 * ENHANCEDSTATUSCODES in its EHLO answer, and then every 2xx, 4xx and 5xx reply but the greeting
 * and the answer to EHLO/HELO carries one, of the reply's own class. Both the relay's own replies
 * and those the SMTP layer makes (RSET, NOOP, a command out of order, AUTH before TLS …).
 */
const ready = haveSmtpSink() && requireProgram('/usr/bin/python3', 'python3');

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

/** Every line of a reply carries an enhanced status code of the reply's class (RFC 2034 §4). */
function expectEnhanced(reply: string | null, command: string): void {
  expect(reply, command).not.toBeNull();
  for (const line of reply!.split('\r\n')) {
    const m = /^(\d)\d\d[ -]([245])\.\d{1,3}\.\d{1,3} /.exec(line);
    expect(m, `${command} → ${line}`).not.toBeNull();
    expect(m![2], `${command} → ${line}`).toBe(m![1]);
  }
}

await describeEachDialect('SMTP relay: ENHANCEDSTATUSCODES', (dialect) => {
  if (!ready) return;
  const suite = relaySuite(dialect, { delivery: false });

  it('is announced before and after STARTTLS, after AUTH, and on the implicit-TLS port (Python smtplib)', async () => {
    const script = `
import smtplib, ssl, sys
port, tls_port, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', port, local_hostname='python.test') as s:
    s.ehlo()
    print('plain', s.has_extn('enhancedstatuscodes'), s.has_extn('starttls'), s.has_extn('auth'))
    s.starttls(context=ctx)
    s.ehlo()
    print('tls', s.has_extn('enhancedstatuscodes'), s.has_extn('starttls'), s.has_extn('auth'))
    s.login(user, password)
    s.ehlo()
    print('auth', s.has_extn('enhancedstatuscodes'))
with smtplib.SMTP_SSL('127.0.0.1', tls_port, context=ctx, local_hostname='python.test') as s:
    s.ehlo()
    print('implicit', s.has_extn('enhancedstatuscodes'), s.has_extn('auth'))
`;
    const res = await run('/usr/bin/python3', ['-c', script, String(suite.r.port), String(suite.r.tlsPort), suite.r.credential.username, suite.r.credential.password!]);
    expect(res.code, res.out).toBe(0);
    expect(res.out.trim().split('\n')).toEqual(['plain True True False', 'tls True False True', 'auth True', 'implicit True True']);
  });

  it("puts an enhanced status code on every reply but the greeting and EHLO's, the SMTP layer's own too", async () => {
    const c = await RawSmtp.connect(suite.r.port);
    // The greeting and the EHLO answer carry none (their text is the name and the keywords).
    expect(await c.reply()).toMatch(/^220 \S+ ESMTP /);
    const ehlo = (await c.command('EHLO client.test'))!;
    expect(ehlo.split('\r\n')).toContain('250-ENHANCEDSTATUSCODES');
    expect(ehlo).toMatch(/^250-\S+ Nice to meet you/);
    const plain: [string, number][] = [
      ['NOOP', 250],
      ['RSET', 250],
      ['HELP', 214],
      ['VRFY someone', 252],
      ['FROB', 500],
      ['AUTH LOGIN', 538],
      ['MAIL FROM:<app@example.com>', 530],
      ['RCPT TO:<a@example.net>', 503],
      ['DATA', 503],
      ['EHLO', 501],
      ['STARTTLS', 220],
    ];
    for (const [command, code] of plain) {
      const reply = await c.command(command);
      expectCode(reply, code);
      expectEnhanced(reply, command);
    }
    expect(c.transcript).toMatch(/^538 5\.7\.0 /m);
    await c.upgrade();
    expect((await c.command('EHLO client.test'))!.split('\r\n')).toContain('250-ENHANCEDSTATUSCODES');
    const wrong = await c.command(`AUTH PLAIN ${Buffer.from(`\0${suite.r.credential.username}\0not-the-password`).toString('base64')}`);
    expect(wrong).toMatch(/^535 5\.7\.8 /);
    const secure: [string, number][] = [
      [`AUTH PLAIN ${Buffer.from(`\0${suite.r.credential.username}\0${suite.r.credential.password!}`).toString('base64')}`, 235],
      ['MAIL FROM:<app@example.com>', 250],
      ['MAIL FROM:<app@example.com>', 503],
      ['RCPT TO:<a@example.net>', 250],
      ['RCPT TO:<a@[127.0.0.1]>', 553],
      ['RCPT TO:<a@example.net> NOTIFY=SUCCESS', 555],
      ['RCPT TO:nobody', 501],
      ['RSET', 250],
      ['MAIL FROM:<app@example.com> BODY=BINARYMIME', 501],
      ['QUIT', 221],
    ];
    for (const [command, code] of secure) {
      const reply = await c.command(command);
      expectCode(reply, code);
      expectEnhanced(reply, command);
    }
    c.close();
  });
});
