import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { RawSmtp } from '../helpers/smtp-client.js';

/**
 * allowedIps written as IPv4-mapped IPv6 ("::ffff:127.0.0.1", "::ffff:127.0.0.0/104") against the
 * real relay: the relay sees an IPv4 client as IPv4, so such an entry is stored as the IPv4
 * address or network it means and lets that client in (by address, and with AUTH); one stored
 * that way before is matched too. A mapped range holding every IPv4 address is refused.
 */
await describeEachDialect('SMTP relay: IPv4-mapped allowedIps', (dialect) => {
  const suite = relaySuite(dialect, { delivery: false });
  const api = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown) => suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  const mailFrom = async (from: string) => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.reply();
    await c.command('EHLO client.test');
    const reply = await c.command(`MAIL FROM:<${from}>`);
    c.close();
    return reply;
  };

  it('refuses a mapped range holding every IPv4 address', async () => {
    const res = await api('POST', '/smtp-credentials', { name: 'Everyone', authentication: 'client-ip', allowedFrom: ['@example.com'], allowedIps: ['::ffff:0.0.0.0/96'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'allowedIps[0]' } });
    expect(res.json().error.message).toMatch(/every IPv4 address/);
  });

  it('a client-ip credential listed as ::ffff:127.0.0.1 takes mail from 127.0.0.1', async () => {
    const device = await api('POST', '/smtp-credentials', { name: 'Mapped device', authentication: 'client-ip', allowedFrom: ['device@example.com'], allowedIps: ['::ffff:127.0.0.1'] });
    expect(device.statusCode, device.body).toBe(201);
    expect(device.json().allowedIps).toEqual(['127.0.0.1']);
    expect(await mailFrom('device@example.com')).toMatch(/^250 /);
    // Stored as typed before this was fixed: still matched.
    const repo = suite.r.t.app.ports.ctx.store.repos.smtpCredentials;
    const stored = (await repo.get(device.json().id))!;
    expect(await repo.update({ ...stored, allowedIps: ['::ffff:127.0.0.0/104'], version: stored.version + 1 }, stored.version)).toBe(true);
    expect(await mailFrom('device@example.com')).toMatch(/^250 /);
    // Switched to another network: the same client is refused.
    const now = (await api('GET', `/smtp-credentials/${device.json().id}`)).json();
    const moved = await api('PATCH', `/smtp-credentials/${device.json().id}`, { allowedIps: ['::ffff:10.9.0.0/112'], version: now.version });
    expect(moved.json().allowedIps).toEqual(['10.9.0.0/16']);
    expect(await mailFrom('device@example.com')).toMatch(/^530 /);
  });

  it('a password credential fenced to ::ffff:127.0.0.0/104 logs in from 127.0.0.1', async () => {
    const res = await api('POST', '/smtp-credentials', { name: 'Mapped app', allowedFrom: ['app@example.com'], allowedIps: ['::ffff:127.0.0.0/104'] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().allowedIps).toEqual(['127.0.0.0/8']);
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(res.json().username, res.json().password);
    expect(await c.command('MAIL FROM:<app@example.com>')).toMatch(/^250 /);
    c.close();
  });
});
