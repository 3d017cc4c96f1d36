import { it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { authPlain, relayRecords, relaySuite } from '../helpers/relay.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * AUTH PLAIN's authorization identity (RFC 4616's authzid) is text a client typed: it may be a
 * password put into the wrong field (`<password>\0username\0…`). The relay has no proxy logins
 * and refuses one, but never echoes, stores or audits what was asked for; and the refusal is a
 * failed AUTH like any other: answered after the pause, audited (relay.auth_failed, the username
 * as recorded) and counted by the login throttle.
 */
const sinkOk = haveSmtpSink();
const NO_SUCH = '(no such username)';


/**
 * The two dialects' suites share nothing (each has its own app, database, relay, sink and
 * ports; nothing at module level is written), so they run side by side: most of each suite's
 * time is waiting (the failed-AUTH pause grows to 5 s before the throttle's refusal). Within a
 * suite the tests still run one after the other, in order (it.sequential).
 */
await describeEachDialect('SMTP relay: a proxy login (AUTH PLAIN authzid) is a failed AUTH that records nothing typed', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);
  const { audit, rejections, everything } = relayRecords(suite);
  const plain = authPlain;

  it.sequential('never quotes the authorization identity: not in the reply, the rejections list, the audit log or the server log', async ({ expect }) => {
    const typed = 'Zq7-Typed-Password-Secret';
    const own = await suite.r.createCredential({ name: 'Proxy one', allowedFrom: ['@example.com'] });
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.41' });
    await c.secure();
    const reply = (await c.command(plain(typed, own.username, 'bad'))) ?? '';
    c.close();
    expect(reply).toMatch(/^535 5\.7\.8 authentication failed: an authorization identity other than the username is not supported/);
    expect(reply.toLowerCase()).not.toContain(typed.toLowerCase());
    await expect.poll(async () => (await rejections()).filter((r) => r.clientIp === '127.0.0.41').length, { timeout: 10_000 }).toBe(1);
    const [listed] = (await rejections()).filter((r) => r.clientIp === '127.0.0.41');
    expect(listed).toMatchObject({ stage: 'auth', code: 535, username: own.username });
    expect((await everything()).toLowerCase()).not.toContain(typed.toLowerCase());
  });

  it.sequential('is slowed and audited as a failed AUTH, the username recorded by the usual rules', async ({ expect }) => {
    const own = await suite.r.createCredential({ name: 'Proxy two', allowedFrom: ['@example.com'] });
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.42' });
    await c.secure();
    const started = performance.now();
    // The right password does not help: the login asked to act as someone else.
    expect(await c.command(plain('admin', own.username, own.password!))).toMatch(/^535 5\.7\.8 /);
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    // An unknown username stays unnamed here too.
    expect(await c.command(plain('admin', 'Not-A-Username-77', 'x'))).toMatch(/^535 5\.7\.8 /);
    c.close();
    const failed = (await audit()).filter((a) => a.action === 'relay.auth_failed' && a.ip === '127.0.0.42');
    expect(failed.map((a) => [a.actor, a.after.username, a.after.mechanism, a.after.reason]).sort()).toEqual(
      [
        [`smtp:${own.username}`, own.username, 'PLAIN', 'an authorization identity other than the username was asked for (no proxy logins)'],
        [`smtp:${NO_SUCH}`, NO_SUCH, 'PLAIN', 'an authorization identity other than the username was asked for (no proxy logins)'],
      ].sort(),
    );
    expect((await everything()).toLowerCase()).not.toContain('not-a-username-77');
  });

  it.sequential('counts against the login throttle: past 10 from one address, refused outright', async ({ expect }) => {
    const own = await suite.r.createCredential({ name: 'Proxy three', allowedFrom: ['@example.com'] });
    const attempts = await Promise.all(
      Array.from({ length: 11 }, async () => {
        const s = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.43' });
        try {
          await s.secure();
          return (await s.command(plain('someone-else', own.username, own.password!))) ?? '';
        } finally {
          s.close();
        }
      }),
    );
    expect(attempts.filter((a) => a.startsWith('535 5.7.8'))).toHaveLength(10);
    expect(attempts.filter((a) => a.startsWith('421 4.7.0 too many failed logins'))).toHaveLength(1);
    const throttled = (await audit()).filter((a) => a.action === 'relay.auth_throttled' && a.ip === '127.0.0.43');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ actor: `smtp:${own.username}`, after: { username: own.username } });
  });
}, { sideBySide: true });
