import { it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { authPlain, relayRecords, relaySuite } from '../helpers/relay.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * A username no credential has may be a password typed into the wrong field: the relay records
 * it as "(no such username)" in the audit log and the rejections list, never as typed (admin
 * logins record "login:(no such user)" for the same reason). A username that names a credential
 * stays named when its password, address or state fails.
 */
const sinkOk = haveSmtpSink();
const NO_SUCH = '(no such username)';


/**
 * The two dialects' suites share nothing (each has its own app, database, relay, sink and
 * ports; nothing at module level is written), so they run side by side: most of each suite's
 * time is waiting (the failed-AUTH pause grows to 5 s before the throttle's refusal). Within a
 * suite the tests still run one after the other, in order (it.sequential).
 */
await describeEachDialect('SMTP relay: an unknown username is not recorded as typed', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);
  const { audit, rejections, everything } = relayRecords(suite);
  const plain = authPlain;

  it.sequential('a mistyped username (perhaps a password) is audited and listed as "(no such username)"', async ({ expect }) => {
    const typed = 'Correct-Horse-Battery-7';
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.21' });
    await c.secure();
    expect(await c.command(plain('', typed, 'anything-at-all'))).toMatch(/^535 5\.7\.8 authentication failed/);
    // The session goes on: what it is refused next is listed under the same name.
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^530 /);
    c.close();
    const failed = (await audit()).filter((a) => a.action === 'relay.auth_failed' && a.ip === '127.0.0.21');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: `smtp:${NO_SUCH}`, after: { username: NO_SUCH, mechanism: 'PLAIN', reason: 'unknown username' } });
    await expect.poll(async () => (await rejections()).filter((r) => r.clientIp === '127.0.0.21').map((r) => [r.stage, r.code, r.username]), { timeout: 10_000 }).toEqual([
      ['mail', 530, NO_SUCH],
      ['auth', 535, NO_SUCH],
    ]);
    expect((await everything()).toLowerCase()).not.toContain(typed.toLowerCase());
  });

  it.sequential('a known username with a wrong password stays named', async ({ expect }) => {
    const { username } = suite.r.credential;
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.22' });
    await c.secure();
    expect(await c.command(plain('', username, 'not-the-password-1'))).toMatch(/^535 /);
    c.close();
    const failed = (await audit()).filter((a) => a.action === 'relay.auth_failed' && a.ip === '127.0.0.22');
    expect(failed[0]).toMatchObject({ actor: `smtp:${username}`, after: { username, reason: 'wrong password' } });
    await expect.poll(async () => (await rejections()).filter((r) => r.clientIp === '127.0.0.22').map((r) => r.username), { timeout: 10_000 }).toEqual([username]);
  });

  it.sequential('refusals before the password is checked (a proxy login, the throttle) do not name an unknown username either', async ({ expect }) => {
    const typed = 'Hunter2-Secret-Typed';
    // A proxy login is a failed AUTH counted against its username too: another one than the throttle part's.
    const typedToo = 'Tr0ub4dor-Typed-Too';
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.23' });
    await c.secure();
    expect(await c.command(plain('someone-else', typedToo, 'x'))).toMatch(/^535 5\.7\.8 authentication failed: an authorization identity other than the username is not supported/);
    c.close();
    await expect.poll(async () => (await rejections()).filter((r) => r.clientIp === '127.0.0.23').map((r) => r.username), { timeout: 10_000 }).toEqual([NO_SUCH]);
    // Ten failures from one address, then the throttle refuses without checking.
    const attempts = await Promise.all(
      Array.from({ length: 11 }, async () => {
        const s = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.24' });
        try {
          await s.secure();
          return (await s.command(plain('', typed, 'x'))) ?? '';
        } finally {
          s.close();
        }
      }),
    );
    expect(attempts.filter((a) => a.startsWith('421 4.7.0 too many failed logins'))).toHaveLength(1);
    await expect.poll(async () => (await rejections()).filter((r) => r.clientIp === '127.0.0.24').length, { timeout: 20_000 }).toBe(11);
    expect(new Set((await rejections()).filter((r) => r.clientIp === '127.0.0.24').map((r) => r.username))).toEqual(new Set([NO_SUCH]));
    const throttled = (await audit()).filter((a) => a.action === 'relay.auth_throttled' && a.ip === '127.0.0.24');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ actor: `smtp:${NO_SUCH}`, after: { username: NO_SUCH } });
    const all = (await everything()).toLowerCase();
    expect(all).not.toContain(typed.toLowerCase());
    expect(all).not.toContain(typedToo.toLowerCase());
  });
}, { sideBySide: true });
