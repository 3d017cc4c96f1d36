import { execFile } from 'node:child_process';
import { dkimVerify } from 'mailauth';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, requireProgram } from '../helpers/relay.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * An application's message through the relay, sent by Python's smtplib (STARTTLS, AUTH, the
 * message's bytes as given): a blank Message-ID or Date field counts as none (removed, and
 * Mailroom's own added: one of each, DKIM-signed), and a line longer than 998 characters
 * (RFC 5321 §4.5.3.1.6, RFC 5322 §2.1.1), in the body or the header, is refused at the end of
 * DATA with 550 5.6.0 naming the line and its length: a server that wraps it would break the
 * DKIM signature.
 */
const ready = haveSmtpSink() && requireProgram('/usr/bin/python3', 'python3');

const SCRIPT = `
import smtplib, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
raw = sys.stdin.buffer.read()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', port, local_hostname='python.test') as s:
    s.starttls(context=ctx)
    s.login(user, password)
    s.mail('app@example.com')
    s.rcpt('customer@example.net')
    code, msg = s.data(raw)
    print(code, msg.decode('utf-8', 'replace'))
`;

function python(port: number, user: string, password: string, message: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-c', SCRIPT, String(port), user, password], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
    child.stdin?.end(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
  });
}

const message = (subject: string, extra: string, body = 'Hello.\r\n') =>
  `From: Billing <billing@example.com>\r\nTo: customer@example.net\r\nSubject: ${subject}\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`;

await describeEachDialect('SMTP relay: blank Message-ID and Date fields, lines over 998 characters', (dialect) => {
  if (!ready) return;
  const suite = relaySuite(dialect);
  const send = (m: string | Buffer) => python(suite.r.port, suite.r.credential.username, suite.r.credential.password!, m);
  const dumpOf = (subject: string) => suite.sink.messages().filter((d) => d.includes(`Subject: ${subject}`));

  it('treats an empty Message-ID and an empty Date as absent: removed, Mailroom adds its own, one of each, signed', async () => {
    const key = (await suite.r.t.request({ method: 'PUT', url: '/api/v1/dkim/example.com', payload: { selector: 'blank' } })).json();
    const reply = await send(message('blank ids', 'Message-ID: \r\nDate:\r\n'));
    expect(reply).toMatch(/^250 2\.0\.0 queued as msg_/);
    const id = queuedId(reply);
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const m = await suite.r.message(id);
    expect(m.messageIdHeader).toMatch(/^<[0-9a-z]+@example\.com>$/);
    const [dump] = dumpOf('blank ids');
    const sent = dump.slice(dump.search(/^DKIM-Signature:/m));
    expect(sent.match(/^Message-ID:.*$/gim)).toEqual([`Message-ID: ${m.messageIdHeader}`]);
    const dates = sent.match(/^Date:.*$/gim) ?? [];
    expect(dates).toHaveLength(1);
    expect(dates[0]).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} [\d:]{8} \+0000$/);
    const resolver = async (name: string) => {
      if (name === key.dnsRecord.name) return [[key.dnsRecord.value]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const verdict = await dkimVerify(Buffer.from(sent.replace(/\r?\n/g, '\r\n'), 'utf8'), { resolver: resolver as never });
    expect(verdict.results[0]).toMatchObject({ signingDomain: 'example.com', status: { result: 'pass' } });
    // The stored message has neither blank field left.
    const stored = (await suite.r.t.request({ method: 'GET', url: `/api/v1/messages/${id}/raw` })).rawPayload.toString('utf8');
    expect(stored).not.toMatch(/^(Message-ID|Date):/im);
  });

  it('a field that is only folded whitespace is blank too', async () => {
    const id = queuedId(await send(message('folded blank', 'Message-ID:\r\n \r\nDate: \r\n\t\r\n')));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const [dump] = dumpOf('folded blank');
    expect(dump.match(/^Message-ID:/gim)).toHaveLength(1);
    expect(dump).toMatch(/^Message-ID: <[0-9a-z]+@example\.com>$/m);
    expect(dump.match(/^Date:/gim)).toHaveLength(1);
  });

  it('refuses a body line longer than 998 characters with 550 5.6.0, naming the line and its length', async () => {
    const reply = await send(message('long body', '', `short\r\n${'x'.repeat(1200)}\r\nend\r\n`));
    // The header has 5 lines, then the empty line, "short", and the long one: line 8.
    expect(reply).toMatch(/^550 5\.6\.0 line 8 is 1200 characters long; .*at most 998/);
    expect(reply).toMatch(/nothing was queued/);
    expect(dumpOf('long body')).toHaveLength(0);
  });

  it('refuses a header line longer than 998 characters too', async () => {
    const reply = await send(message('long header', `X-Long: ${'y'.repeat(1000)}\r\n`));
    expect(reply).toMatch(/^550 5\.6\.0 line 4 \(in the header\) is 1008 characters long; .*at most 998/);
    expect(dumpOf('long header')).toHaveLength(0);
  });

  it('shows a header written in raw Latin-1 (no encoded words) as its letters, and sends its bytes as written', async () => {
    // A legacy program's message: ISO-8859-1 bytes in Subject and a From name, a UTF-8 field beside them.
    const latin1 = Buffer.concat([
      Buffer.from('From: J\xf6rg M\xfcller <billing@example.com>\r\nTo: customer@example.net\r\nSubject: Gr\xfc\xdfe aus K\xf6ln\r\n', 'latin1'),
      Buffer.from('X-Note: schön\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nHallo.\r\n', 'utf8'),
    ]);
    const id = queuedId(await send(latin1));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const m = await suite.r.message(id);
    expect(m.subject).toBe('Grüße aus Köln');
    expect(m.from).toBe('Jörg Müller <billing@example.com>');
    // The bytes go out as they came: the raw view and the sink both have the Latin-1 subject.
    const raw = await suite.r.t.request({ method: 'GET', url: `/api/v1/messages/${id}/raw` });
    expect(raw.rawPayload.includes(Buffer.from('Subject: Gr\xfc\xdfe aus K\xf6ln\r\n', 'latin1'))).toBe(true);
    const [dump] = suite.sink.messages().filter((d) => d.includes('Hallo.') && d.includes('aus K'));
    expect(dump).toBeDefined();
    expect(dump).not.toContain('Grüße');
  });

  it('takes a line of exactly 998 characters', async () => {
    const id = queuedId(await send(message('998 exactly', '', `${'z'.repeat(998)}\r\n`)));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
  });
});
