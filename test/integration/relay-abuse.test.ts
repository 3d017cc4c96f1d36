import { it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * The relay under protocol abuse, byte for byte over a raw socket: SMTP smuggling (bare LF and
 * CR, and the "<LF>.<CR><LF>" family that another server might read as the end of the message),
 * an open-relay probe, AUTH outside TLS, commands pipelined behind STARTTLS, an HTTP request,
 * oversized mail, too many recipients, a rate limit, and password guessing. Nothing beyond the
 * legitimate first message is ever queued or delivered.
 */
const sinkOk = haveSmtpSink();

const body = (subject: string, text: string, from = 'app@example.com') => `From: ${from}\r\nTo: first@example.net\r\nSubject: ${subject}\r\n\r\n${text}`;
/** A second transaction hidden in the first one's DATA, as a smuggling attack writes it. */
const smuggled = 'MAIL FROM:<app@example.com>\r\nRCPT TO:<smuggled@example.net>\r\nDATA\r\nFrom: app@example.com\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n';

/**
 * The two dialects' suites share nothing (each has its own app, database, relay, sink and
 * ports; nothing at module level is written), so they run side by side: most of each suite's
 * time is waiting (the failed-AUTH pause grows to 5 s before the throttle's refusal). Within a
 * suite the tests still run one after the other, in order (it.sequential).
 */
await describeEachDialect('SMTP relay: smuggling and abuse', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);
  const count = async () => Number((await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length);


  /** A logged-in session with MAIL and RCPT done, waiting for the message after 354. */
  async function inData(c: RawSmtp, rcpt = 'first@example.net'): Promise<void> {
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command(`RCPT TO:<${rcpt}>`), 250);
    expectCode(await c.command('DATA'), 354);
  }

  it.sequential('the smuggling set: a bare LF or CR anywhere refuses the whole message, and nothing hidden in it runs', async ({ expect }) => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    await inData(c);
    c.write(`${body('first', 'the legitimate message')}\r\n.\r\n`);
    const first = queuedId(expectCode(await c.reply(), 250));
    const payloads: [string, string][] = [
      ['bare LF', `${body('outer', 'line one\nline two')}\r\n.\r\n`],
      ['<LF>.<CR><LF>', `${body('outer', 'text')}\n.\r\n${smuggled}`],
      ['<CR>.<CR><LF>', `${body('outer', 'text')}\r.\r\n${smuggled}`],
      ['<LF>.<LF>', `${body('outer', 'text')}\n.\n${smuggled}`],
      ['<CR><LF>.<LF>', `${body('outer', 'text')}\r\n.\n${smuggled}`],
      ['bare CR', `${body('outer', 'a\rb')}\r\n.\r\n`],
    ];
    for (const [name, payload] of payloads) {
      await inData(c);
      c.write(payload);
      const reply = await c.reply();
      expect(reply, name).toMatch(/^550 5\.6\.0 (bare LF|bare CR) at byte \d+: every line must end in CRLF/);
      // The next reply answers the next command: nothing smuggled was read as a command.
      expect(await c.command('NOOP'), name).toMatch(/^250 /);
    }
    expect(await c.command('QUIT')).toMatch(/^221/);
    await expect.poll(async () => (await suite.r.message(first)).status, { timeout: 20_000 }).toBe('sent');
    expect(await count()).toBe(1);
    // Give a smuggled message every chance to show up before looking.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(suite.sink.messages().filter((d) => /Subject: (smuggled|outer)/.test(d))).toEqual([]);
    expect(suite.sink.count()).toBe(1);
    const refusedMessages = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/rejections' })).json().items.filter((x: { stage: string; code: number }) => x.stage === 'data' && x.code === 550);
    await expect.poll(async () => (await refusedMessages()).length, { timeout: 10_000 }).toBe(payloads.length);
  });

  it.sequential('never an open relay: no AUTH is 530, a sender or From the credential may not use is 550', async ({ expect }) => {
    const anon = await RawSmtp.connect(suite.r.port);
    await anon.reply();
    await anon.command('EHLO stranger.test');
    expect(await anon.command('MAIL FROM:<app@example.com>')).toMatch(/^530 5\.7\.0 authentication required/);
    expect(await anon.command('RCPT TO:<victim@example.net>')).toMatch(/^503 /);
    anon.close();

    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expect(await c.command('MAIL FROM:<ceo@bank.example>')).toMatch(/^550 5\.7\.1 sender ceo@bank\.example is not allowed for SMTP credential "Billing app"; it may send as @example\.com/);
    expect(await c.command('MAIL FROM:<>')).toMatch(/^550 5\.7\.1 sender <> \(the null sender\) is not allowed/);
    await inData(c);
    c.write(`${body('forged', 'hi', 'CEO <ceo@bank.example>')}\r\n.\r\n`);
    expect(await c.reply()).toMatch(/^550 5\.7\.1 From ceo@bank\.example is not allowed/);
    await inData(c);
    c.write('Subject: no author\r\n\r\nhi\r\n.\r\n');
    expect(await c.reply()).toMatch(/^550 5\.6\.0 From: the message has no From header/);
    c.close();
    expect(await count()).toBe(1);
  });

  it.sequential('AUTH outside TLS is 538; commands pipelined behind STARTTLS are discarded', async ({ expect }) => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.reply();
    expect(await c.command('EHLO client.test')).toContain('STARTTLS');
    expect(await c.command(`AUTH PLAIN ${Buffer.from(`\0${suite.r.credential.username}\0${suite.r.credential.password}`).toString('base64')}`)).toMatch(/^538 /);
    // STARTTLS and a transaction in one write: the plaintext after STARTTLS must not run inside TLS.
    c.write('STARTTLS\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<injected@example.net>\r\n');
    expectCode(await c.reply(), 220);
    await c.upgrade();
    expect(await c.command('EHLO client.test')).toMatch(/^250-/);
    expectCode(await c.command(`AUTH PLAIN ${Buffer.from(`\0${suite.r.credential.username}\0${suite.r.credential.password}`).toString('base64')}`), 235);
    expect(await c.command('RCPT TO:<injected@example.net>')).toMatch(/^503 .*need MAIL/);
    c.close();
  });

  it.sequential('AUTH PLAIN asking to act as another identity (authzid) is refused: the relay has no proxy logins', async ({ expect }) => {
    // A refused proxy login is a failed AUTH, counted against the address and the username: its
    // own of both, so the guessing test below starts from nothing.
    const { username, password } = await suite.r.createCredential({ name: 'Proxy asker', allowedFrom: ['app@example.com'] });
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.31' });
    await c.secure();
    const plain = (authzid: string, authcid: string) => `AUTH PLAIN ${Buffer.from(`${authzid}\0${authcid}\0${password!}`).toString('base64')}`;
    const refused = (await c.command(plain('admin', username))) ?? '';
    expect(refused).toMatch(/^535 5\.7\.8 authentication failed: an authorization identity other than the username is not supported/);
    // What was asked for is typed text (perhaps a password): never quoted (relay-proxy-login.test.ts).
    expect(refused).not.toContain('admin');
    // The same identity twice is no request to act as another; nor is the username in the authzid alone.
    expectCode(await c.command(plain(username.toUpperCase(), username)), 235);
    c.close();
    const d = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.31' });
    await d.secure();
    expectCode(await d.command(plain(username, '')), 235);
    d.close();
  });

  it.sequential('an HTTP request on the port ends the session, before or after the greeting', async ({ expect }) => {
    const early = await RawSmtp.connect(suite.r.port);
    early.write('GET / HTTP/1.1\r\nHost: relay\r\n\r\n');
    expect(await early.reply()).toMatch(/^421 /);
    await early.closed;
    const late = await RawSmtp.connect(suite.r.port);
    await late.reply();
    late.write('POST /api/v1/messages HTTP/1.1\r\nHost: relay\r\n\r\n');
    expect(await late.reply()).toMatch(/^421 .*HTTP requests not allowed/);
    await late.closed;
  });

  it.sequential('oversized mail is 552 (declared with SIZE or sent whole) and nothing is queued', async ({ expect }) => {
    const small = await suite.r.createCredential({ name: 'Small', allowedFrom: ['app@example.com'], maxMessageBytes: 2048, maxRecipients: 2 });
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(small.username, small.password!);
    expect(await c.command('MAIL FROM:<app@example.com> SIZE=5000')).toMatch(/^552 5\.3\.4 the message is 5000 bytes; SMTP credential "Small" allows 2048/);
    await inData(c);
    c.write(`${body('too big', 'x'.repeat(70).concat('\r\n').repeat(60))}\r\n.\r\n`);
    expect(await c.reply()).toMatch(/^552 5\.3\.4 the message is \d+ bytes; SMTP credential "Small" allows 2048/);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<a@example.net>'), 250);
    expectCode(await c.command('RCPT TO:<b@example.net>'), 250);
    expect(await c.command('RCPT TO:<c@example.net>')).toMatch(/^452 4\.5\.3 SMTP credential "Small" allows 2 recipients per message/);
    // smtp-server takes an IP literal; Mailroom's address parser does not (parsed once, strictly).
    expect(await c.command('RCPT TO:<user@[10.0.0.1]>')).toMatch(/^553 5\.1\.3 RCPT TO: "user@\[10\.0\.0\.1\]" is not accepted/);
    c.close();
    expect(await count()).toBe(1);
  });

  it.sequential('a per-minute rate answers 451 and the client comes back later', async ({ expect }) => {
    const limited = await suite.r.createCredential({ name: 'Limited', allowedFrom: ['app@example.com'], perMinute: 2 });
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(limited.username, limited.password!);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    await c.command('RSET');
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    await c.command('RSET');
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^451 4\.7\.1 SMTP credential "Limited" may begin 2 transactions \(MAIL FROM\) per minute; try again in \d+ s/);
    c.close();
  });

  it.sequential('a client address outside allowedIps cannot use the credential; an unknown one gets 530', async ({ expect }) => {
    const fenced = await suite.r.createCredential({ name: 'Fenced', allowedFrom: ['app@example.com'], allowedIps: ['10.1.2.3'] });
    await suite.r.createCredential({ name: 'Printer', authentication: 'client-ip', allowedFrom: ['printer@example.com'], allowedIps: ['10.20.0.0/16'] });
    const c = await RawSmtp.connect(suite.r.port);
    await expect(c.login(fenced.username, fenced.password!)).rejects.toThrow(/expected 235, got "535 5\.7\.8 authentication failed"/);
    // 127.0.0.1 is no client-ip credential's address: a session without AUTH is still refused.
    expect(await c.command('MAIL FROM:<printer@example.com>')).toMatch(/^530 /);
    c.close();
    const audit = (await suite.r.t.request({ method: 'GET', url: '/api/v1/audit?action=relay.auth_failed' })).json().items;
    expect(audit[0]).toMatchObject({ actor: 'smtp:fenced', ip: '127.0.0.1', after: { username: 'fenced', mechanism: 'PLAIN', reason: "client address 127.0.0.1 is not in the credential's allowedIps" } });
  });

  it.sequential('failed AUTHs are slowed, audited (never the password) and, past 10, refused outright', async ({ expect }) => {
    const wrong = 'not-the-password-5a1f';
    const started = performance.now();
    const c = await RawSmtp.connect(suite.r.port);
    await expect(c.login(suite.r.credential.username, wrong)).rejects.toThrow(/535 5\.7\.8/);
    // Slowed: a failure is answered after a delay that grows with the failures (a lower bound cannot flake).
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    c.close();
    const attempts = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const s = await RawSmtp.connect(suite.r.port);
        try {
          await s.login(suite.r.credential.username, wrong);
          return 'logged in';
        } catch (err) {
          return String((err as Error).message);
        } finally {
          s.close();
        }
      }),
    );
    expect(attempts.some((a) => /421 4\.7\.0 too many failed logins/.test(a))).toBe(true);
    expect(attempts).not.toContain('logged in');
    const audit = (await suite.r.t.request({ method: 'GET', url: '/api/v1/audit?limit=200' })).json().items as { action: string; after: Record<string, unknown> }[];
    const failed = audit.filter((a) => a.action === 'relay.auth_failed' && a.after.reason === 'wrong password');
    expect(failed.length).toBeGreaterThanOrEqual(9);
    expect(audit.filter((a) => a.action === 'relay.auth_throttled')).toHaveLength(1);
    const everything = JSON.stringify(audit) + suite.r.t.logLines.join('') + JSON.stringify((await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/rejections?limit=500' })).json());
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(suite.r.credential.password);
  });
}, { sideBySide: true });
