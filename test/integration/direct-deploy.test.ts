import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/ports.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A direct server from the deploy-time variables alone (MAILROOM_SMTP_MODE=direct,
 * MAILROOM_SMTP_EHLO_NAME, MAILROOM_SMTP_PUBLIC_ADDRESSES): the exchanger is greeted with the
 * name given, the setup status checks the sender domain's SPF against the addresses given, a
 * restart applies changed variables, and an admin's edit of smtp.direct survives restarts.
 */
await describeEachDialect('direct delivery from the deploy-time variables', (dialect) => {
  let t: TestApp;
  let dns: DnsServer;
  let exchanger: SMTPServer;
  const received: { to: string[]; ehlo: string }[] = [];

  const get = async (url: string) => (await t.request({ method: 'GET', url: `/api/v1/${url}` })).json();
  const envServer = async () => (await get('servers')).items.find((s: { source: string }) => s.source === 'env');
  const spfGap = async () => ((await get('setup/status')).missing as { code: string; domains?: string[]; addresses?: string[] }[]).find((g) => g.code === 'direct_spf_not_covering');
  const send = async (to: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [to], subject: 'deploy direct', text: 'hello' } });
    expect(res.statusCode, res.body).toBe(202);
    const dispatcher = await t.app.startDelivery({ loop: false });
    await dispatcher.drain();
    return get(`messages/${res.json().id}`);
  };

  beforeAll(async () => {
    const port = await freePort();
    exchanger = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      authOptional: true,
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), ehlo: session.hostNameAppearsAs });
          cb();
        });
      },
    });
    exchanger.on('error', () => undefined);
    await new Promise<void>((resolve) => exchanger.listen(port, '127.0.0.2', resolve));
    dns = await startDnsServer();
    dns.zone.set('partner.test', [{ type: 'MX', exchange: 'mx.partner.test', priority: 10 }]);
    dns.zone.set('mx.partner.test', [{ type: 'A', address: '127.0.0.2' }]);
    // The sender domain's SPF covers 192.0.2.10 only.
    dns.zone.set('deploy.test', [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.10 -all' }]);
    t = await startTestApp(dialect, {
      env: {
        MAILROOM_SMTP_MODE: 'direct',
        MAILROOM_SMTP_PORT: String(port),
        MAILROOM_SMTP_EHLO_NAME: 'Mail.Deploy.test.',
        MAILROOM_SMTP_PUBLIC_ADDRESSES: '192.0.2.10, 2001:DB8::10',
        MAILROOM_MAIL_FROM_ADDRESS: 'alerts@deploy.test',
        MAILROOM_MAIL_FROM_NAME: 'Alerts',
        MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`,
        MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await dns?.stop();
    await new Promise<void>((resolve) => (exchanger ? exchanger.close(() => resolve()) : resolve()));
  });

  it('creates the env server in mode direct with the EHLO name and public addresses, and greets the exchanger with that name', async () => {
    const s = await envServer();
    expect(s).toMatchObject({ source: 'env', overridden: [], smtp: { mode: 'direct', host: '', direct: { ehloName: 'mail.deploy.test', publicAddresses: ['192.0.2.10', '2001:db8::10'] } } });
    const m = await send('ops@partner.test');
    expect(m.status).toBe('sent');
    expect(received.at(-1)).toEqual({ to: ['ops@partner.test'], ehlo: 'mail.deploy.test' });
    expect(m.attempts[0].routes[0]).toMatchObject({ domain: 'partner.test', exchanger: 'mx.partner.test', address: '127.0.0.2' });
  });

  it('warns in the setup status that the sender domain\'s SPF does not cover a public address given at deploy time', async () => {
    expect(await spfGap()).toMatchObject({ domains: ['deploy.test'], addresses: ['2001:db8::10'] });
  });

  it('applies a changed EHLO name at the next start, and keeps the admin\'s smtp.direct once edited', async () => {
    await t.restart({ MAILROOM_SMTP_EHLO_NAME: 'out.deploy.test', MAILROOM_SMTP_PUBLIC_ADDRESSES: '192.0.2.10' });
    let s = await envServer();
    expect(s.smtp.direct).toMatchObject({ ehloName: 'out.deploy.test', publicAddresses: ['192.0.2.10'] });
    expect(await spfGap()).toBeUndefined();
    expect((await send('ops2@partner.test')).status).toBe('sent');
    expect(received.at(-1)?.ehlo).toBe('out.deploy.test');

    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${s.id}`, payload: { version: s.version, smtp: { direct: { ehloName: 'admin.deploy.test', publicAddresses: ['192.0.2.10'], perDomainPerMinute: 100 } } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().overridden).toEqual(['smtp.direct']);
    await t.restart({ MAILROOM_SMTP_EHLO_NAME: 'env-again.deploy.test' });
    s = await envServer();
    expect(s.smtp.direct).toMatchObject({ ehloName: 'admin.deploy.test', perDomainPerMinute: 100 });
    expect((await send('ops3@partner.test')).status).toBe('sent');
    expect(received.at(-1)?.ehlo).toBe('admin.deploy.test');
  });
});
