import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * GET /relay/rejections lists the refusal that explains a session, not the client's follow-on
 * commands: after a refused MAIL FROM, the 503s smtp-server answers to the RCPT and DATA a
 * client sends anyway, and the same refusal repeated, are not new rejections. A refusal the
 * SMTP layer made first (AUTH before TLS) is the one kept. Each session comes from its own
 * loopback address, so its rejections can be told apart from the others'.
 */
const sinkOk = haveSmtpSink();

interface Rejection {
  stage: string;
  code: number;
  reply: string;
}

await describeEachDialect('SMTP relay: one rejection per refusal, not per follow-on command', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect, { delivery: false });

  /** This address's rejections, oldest first, once the group commit has written them all. */
  const rejectionsOf = async (clientIp: string, atLeast: number): Promise<Rejection[]> => {
    const list = async () => ((await suite.r.t.request({ method: 'GET', url: '/api/v1/relay/rejections?limit=500' })).json().items as (Rejection & { clientIp: string })[]).filter((x) => x.clientIp === clientIp);
    await expect.poll(async () => (await list()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(atLeast);
    // Whatever else the session left has had every chance to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return (await list()).reverse().map(({ stage, code, reply }) => ({ stage, code, reply }));
  };

  it('a refused MAIL FROM, then RCPT, DATA and the same MAIL FROM again: one rejection, the 530', async () => {
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.21' });
    await c.reply();
    await c.command('EHLO app.test');
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^530 5\.7\.0 /);
    expect(await c.command('RCPT TO:<a@example.net>')).toMatch(/^503 /);
    expect(await c.command('DATA')).toMatch(/^503 /);
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^530 5\.7\.0 /);
    expect(await c.command('RCPT TO:<a@example.net>')).toMatch(/^503 /);
    expect(await c.command('QUIT')).toMatch(/^221 /);
    await c.closed;
    const got = await rejectionsOf('127.0.0.21', 1);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ stage: 'mail', code: 530 });
    expect(got[0].reply).toMatch(/^530 5\.7\.0 authentication required/);
  });

  it('a logged-in session: a refused sender and its follow-ons are one rejection; a different refusal later is another', async () => {
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.22' });
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expect(await c.command('MAIL FROM:<ceo@bank.example>')).toMatch(/^550 5\.7\.1 /);
    expect(await c.command('RCPT TO:<a@example.net>')).toMatch(/^503 /);
    expect(await c.command('DATA')).toMatch(/^503 /);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    // An IP literal: smtp-server takes it, Mailroom's strict parser refuses it (553 5.1.3).
    expect(await c.command('RCPT TO:<a@[127.0.0.1]>')).toMatch(/^553 5\.1\.3 /);
    c.close();
    await c.closed;
    const got = await rejectionsOf('127.0.0.22', 2);
    expect(got.map((r) => `${r.stage} ${r.code}`)).toEqual(['mail 550', 'rcpt 553']);
  });

  it('a refusal of the SMTP layer that comes first is the one recorded (AUTH before TLS), and its follow-ons are not', async () => {
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.23' });
    await c.reply();
    await c.command('EHLO app.test');
    expect(await c.command('AUTH LOGIN')).toMatch(/^538 /);
    expect(await c.command('RCPT TO:<a@example.net>')).toMatch(/^503 /);
    expect(await c.command('DATA')).toMatch(/^503 /);
    expect(await c.command('QUIT')).toMatch(/^221 /);
    await c.closed;
    const got = await rejectionsOf('127.0.0.23', 1);
    expect(got).toEqual([{ stage: 'protocol', code: 538, reply: expect.stringMatching(/^538 .*STARTTLS/) }]);
  });
});
