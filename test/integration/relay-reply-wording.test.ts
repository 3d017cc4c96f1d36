import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * What the relay's refusals say: the rate limit counts transactions (MAIL FROM commands), and
 * says so; an address the relay cannot take is quoted as the client wrote it when that is valid
 * UTF-8, not with "?" for every non-ASCII letter.
 */
const sinkOk = haveSmtpSink();

/** The reply's bytes read as UTF-8 (RawSmtp keeps them as latin1 text). */
const utf8 = (reply: string | null) => Buffer.from(reply ?? '', 'latin1').toString('utf8');

await describeEachDialect('SMTP relay: reply wording', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);

  it('perMinute: the 451 counts transactions (MAIL FROM), as the limit does', async () => {
    const limited = await suite.r.createCredential({ name: 'Counted', allowedFrom: ['@example.com'], perMinute: 2 });
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(limited.username, limited.password!);
    // Two transactions begun and abandoned (no message) still count: the limit is on MAIL FROM.
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RSET'), 250);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RSET'), 250);
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^451 4\.7\.1 SMTP credential "Counted" may begin 2 transactions \(MAIL FROM\) per minute; try again in \d+ s/);
    c.close();
  });

  it('553 for a non-ASCII local part quotes the address with each non-ASCII character escaped (the reply stays ASCII), bytes that are not UTF-8 too', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    c.write(Buffer.from('MAIL FROM:<jörg@example.com>\r\n', 'utf8'));
    const reply = utf8(await c.reply());
    expect(reply).toMatch(/^553 5\.1\.7 /);
    expect(reply).toContain('"j\\u00F6rg@example.com"');
    expect(reply).not.toContain('j?rg');
    expect(/^[\x20-\x7e\r\n]*$/.test(reply)).toBe(true);
    c.write(Buffer.concat([Buffer.from('MAIL FROM:<j'), Buffer.from([0xfc]), Buffer.from('rg@example.com>\r\n')]));
    const latin1 = utf8(await c.reply());
    expect(latin1).toMatch(/^553 5\.1\.7 /);
    expect(latin1).toMatch(/"j\\uFFFDrg@example\.com"/);
    c.close();
  });

  it('553 for a domain label over 63 characters names its length, not the letters a label may have', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    const label = 'b'.repeat(70);
    const reply = await c.command(`RCPT TO:<a@${label}.example.net>`);
    expect(reply).toBe(`553 5.1.3 RCPT TO: "a@${label}.example.net" is not accepted: the domain is not a valid host name: label ${label} is 70 characters; a label is at most 63`);
    expectCode(await c.command(`RCPT TO:<a@${'b'.repeat(63)}.example.net>`), 250);
    c.close();
  });

  it('a right-to-left override is quoted escaped; a control character never reaches Mailroom (the SMTP layer answers 501)', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    c.write(Buffer.from('MAIL FROM:<j\u202Erg@example.com>\r\n', 'utf8'));
    const rlo = utf8(await c.reply());
    expect(rlo).toMatch(/^553 5\.1\.7 /);
    expect(rlo).toContain('"j\\u202Erg@example.com"');
    expect(/^[\x20-\x7e\r\n]*$/.test(rlo)).toBe(true);
    // smtp-server refuses control (and zero-width) characters in an address before any handler
    // runs; its reply carries an enhanced status code too (ENHANCEDSTATUSCODES is announced).
    expect(await c.command('MAIL FROM:<j\x1Brg@example.com>')).toMatch(/^501 5\.1\.7 Error: Bad sender address syntax/);
    c.close();
  });
});
