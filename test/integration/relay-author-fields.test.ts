import { execFile } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, requireProgram } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * The authors the relay checks are the authors recipients read: a From or Sender field that a
 * strict parser reads as another address than Mailroom's lenient one (a display name holding
 * an address, text after the <address>) is refused, never sent on under a credential that may
 * only send as billing@…; and Resent-Bcc, like Bcc, never reaches the recipients.
 */
const sinkOk = haveSmtpSink();
const pythonOk = sinkOk && requireProgram('/usr/bin/python3', 'python3');

/**
 * Python's smtplib sends each message (STARTTLS, AUTH PLAIN) with the given From line, exactly as
 * written; one JSON line per message: the reply to the final dot.
 */
const SEND_FROM_LINES = `
import json, smtplib, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', port, local_hostname='python.test') as s:
    s.starttls(context=ctx)
    s.login(user, password)
    for i, line in enumerate(sys.argv[4:]):
        msg = (line + '\\r\\nTo: customer@example.net\\r\\nSubject: name spoof ' + str(i) + '\\r\\n\\r\\nhello\\r\\n').encode('ascii')
        try:
            s.sendmail('billing@example.com', ['customer@example.net'], msg)
            print(json.dumps({'code': 250, 'reply': ''}))
        except smtplib.SMTPDataError as e:
            print(json.dumps({'code': e.smtp_code, 'reply': e.smtp_error.decode('latin1')}))
            s.rset()
`;

await describeEachDialect('SMTP relay: author fields and blind copies', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);

  async function send(headers: string, subject: string): Promise<string> {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expectCode(await c.command('MAIL FROM:<billing@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<customer@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    c.write(`${headers}\r\nTo: customer@example.net\r\nSubject: ${subject}\r\n\r\nhello\r\n.\r\n`);
    const reply = (await c.reply()) ?? '';
    c.close();
    return reply;
  }

  it('refuses a From or Sender that another parser reads as a different address, and queues nothing', async () => {
    const before = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    expect(await send('From: evil@attacker.example <billing@example.com>', 'spoof 1')).toMatch(/^550 5\.6\.0 From: "evil@attacker\.example <billing@example\.com>" can be read as more than one address/);
    expect(await send('From: <billing@example.com> evil@attacker.example', 'spoof 2')).toMatch(/^550 5\.6\.0 From: /);
    expect(await send('From: billing@example.com (x) evil@attacker.example', 'spoof 3')).toMatch(/^550 5\.6\.0 From: /);
    expect(await send('From: billing@example.com\r\nSender: evil@attacker.example <billing@example.com>', 'spoof 4')).toMatch(/^550 5\.6\.0 Sender: /);
    expect((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before);

    // What mail programs write passes: quoted names (even with an @), comments, encoded words.
    queuedId(expectCode(await send('From: "evil@attacker.example" <billing@example.com>', 'quoted name'), 250));
    queuedId(expectCode(await send('From: billing@example.com (Billing (the app))', 'comment'), 250));
    queuedId(expectCode(await send('From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <billing@example.com>', 'encoded'), 250));
  });

  // A name or comment that a person reads as the author's address (a mail program shows an
  // encoded word decoded, and some show a comment as the name) while the allowedFrom check reads
  // the address in the brackets: refused like a name holding an unquoted address.
  it('refuses a From whose encoded name or comment reads as another address, through Python smtplib; the own address passes', async () => {
    if (!pythonOk) return;
    const before = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    const froms = [
      'From: =?utf-8?q?evil=40example.com?= <billing@example.com>',
      'From: billing@example.com (evil@example.com)',
      'Sender: =?utf-8?b?ZXZpbEBleGFtcGxlLmNvbQ==?= <billing@example.com>\r\nFrom: billing@example.com',
      'From: =?utf-8?q?billing=40example.com?= <billing@example.com>',
      'From: billing@example.com (billing@example.com)',
    ];
    const res = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('/usr/bin/python3', ['-c', SEND_FROM_LINES, String(suite.r.port), suite.r.credential.username, suite.r.credential.password!, ...froms], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(res.code, res.out).toBe(0);
    const replies = res.out.trim().split('\n').map((l) => JSON.parse(l) as { code: number; reply: string });
    expect(replies).toHaveLength(froms.length);
    expect(replies[0]).toEqual({
      code: 550,
      reply:
        '5.6.0 From: the display name "=?utf-8?q?evil=40example.com?=" of <billing@example.com> reads as another address once decoded ("evil@example.com"), evil@example.com: a person may take it for the author while the check reads <billing@example.com>; leave the address out of the display name',
    });
    expect(replies[1]).toEqual({
      code: 550,
      reply: '5.6.0 From: the comment "(evil@example.com)" of <billing@example.com> reads as another address, evil@example.com: a person may take it for the author while the check reads <billing@example.com>; leave the address out of the comment',
    });
    expect(replies[2].code).toBe(550);
    expect(replies[2].reply).toMatch(/^5\.6\.0 Sender: the display name "=\?utf-8\?b\?ZXZpbEBleGFtcGxlLmNvbQ==\?=" of <billing@example\.com> reads as another address once decoded \("evil@example\.com"\)/);
    // The mailbox's own address as its name misleads no one.
    expect(replies.slice(3).map((r) => r.code)).toEqual([250, 250]);
    const items = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?q=name spoof&limit=50' })).json().items as { subject: string; from: string }[];
    expect(items.map((m) => m.subject).sort()).toEqual(['name spoof 3', 'name spoof 4']);
    expect((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before + 2);
  });

  it('names a second From or Sender field as such, and queues nothing', async () => {
    const before = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    // RFC 5322 allows one of each: the reply says what is wrong, not that an address is empty.
    expect(await send('From: billing@example.com\r\nFrom: billing@example.com', 'two from')).toMatch(/^550 5\.6\.0 From: the message has 2 From fields; RFC 5322 allows one/);
    expect(await send('From: billing@example.com\r\nSender: billing@example.com\r\nSender: billing@example.com', 'two sender')).toMatch(
      /^550 5\.6\.0 Sender: the message has 2 Sender fields; RFC 5322 allows one/,
    );
    // A field without an address is named as written, not called empty.
    expect(await send('From: billing', 'no address')).toMatch(/^550 5\.6\.0 From: "billing" holds no address; write an address or "Name <address>"/);
    expect(await send('From: undisclosed-recipients:;', 'empty group')).toMatch(/^550 5\.6\.0 From: "undisclosed-recipients" holds no address/);
    expect((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before);
  });

  it('refuses a header line that readers part ways on: an mbox "From " first line, a line that is no field; queues nothing', async () => {
    const before = (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    // mailparser skipped this first line as an mbox separator: a From no check saw, shown by others.
    expect(await send('FROM : evil@attacker.example\r\nFrom: billing@example.com', 'mbox line')).toMatch(/^550 5\.6\.0 header: line 1 of the header \("FROM : evil@attacker\.example"\) begins with "From "/);
    expect(await send('from evil@attacker.example\r\nFrom: billing@example.com', 'mbox line 2')).toMatch(/^550 5\.6\.0 header: line 1 /);
    // Anywhere else, a spaced name is still a From field, and a second one.
    expect(await send('From: billing@example.com\r\nFROM : evil@attacker.example', 'spaced')).toMatch(/^550 5\.6\.0 From: the message has 2 From fields/);
    // A line without a colon ends the header for some readers only: the From after it is body text to them.
    expect(await send('From: billing@example.com\r\nnot a field\r\nFrom: evil@attacker.example', 'no colon')).toMatch(/^550 5\.6\.0 header: line 2 of the header \("not a field"\) is no header field/);
    expect(await send(' X-Folded: nothing before it\r\nFrom: billing@example.com', 'leading fold')).toMatch(/^550 5\.6\.0 header: line 1 /);
    expect((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before);
    // Folded fields and the obsolete space before the colon elsewhere still pass.
    queuedId(expectCode(await send('From: billing@example.com\r\nX-Note: one\r\n two\r\nKeywords : a, b', 'folded'), 250));
  });

  it('removes Resent-Bcc fields as it removes Bcc', async () => {
    const id = queuedId(expectCode(await send('From: billing@example.com\r\nResent-From: billing@example.com\r\nResent-Bcc: hidden@example.net', 'resent bcc'), 250));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const [dump] = suite.sink.messages().filter((d) => d.includes('Subject: resent bcc'));
    expect(dump).toContain('Resent-From: billing@example.com');
    expect(dump).not.toMatch(/^Resent-Bcc:/im);
    expect(dump).not.toContain('hidden@example.net');
  });
});
