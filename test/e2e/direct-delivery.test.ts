import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { chromiumAvailable, openAdminSession, screenshot, watchContentSecurity, type AdminSession } from './harness.js';

/**
 * An admin creates a direct server in the form (the DKIM/SPF/port 25 warning is shown, the
 * relay's host, encryption and "Test connection" are not), the list says "direct", and a
 * message sent through it shows per domain which exchanger answered and the TLS negotiated.
 */
describe.runIf(chromiumAvailable())('direct delivery in the admin UI', { timeout: 90_000 }, () => {
  let s: AdminSession;
  let dns: DnsServer;
  let exchanger: SMTPServer;
  let port = 0;
  const received: string[][] = [];
  let violations: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    exchanger = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      authOptional: true,
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          received.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
    exchanger.on('error', () => undefined);
    await new Promise<void>((resolve) => exchanger.listen(port, '127.0.0.2', resolve));
    dns = await startDnsServer();
    dns.zone.set('partner.test', [{ type: 'MX', exchange: 'mx.partner.test', priority: 10 }]);
    dns.zone.set('mx.partner.test', [{ type: 'A', address: '127.0.0.2' }]);
    s = await openAdminSession('sqlite', { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}`, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.2' } });
    violations = await watchContentSecurity(s.page);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await dns?.stop();
    await new Promise<void>((resolve) => (exchanger ? exchanger.close(() => resolve()) : resolve()));
  });

  it('creates a direct server in the form, with the warning and without relay-only fields', async () => {
    const { page } = s;
    await page.goto('/servers/new');
    await page.getByLabel('Name', { exact: true }).fill('Direct to MX');
    await page.getByLabel('Delivery').selectOption('direct');
    await page.getByText('Direct delivery sends from this machine\'s own address.').waitFor();
    expect(await page.getByLabel('SMTP host').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Test connection' }).count()).toBe(0);
    await page.getByLabel('Port', { exact: true }).fill(String(port));
    await page.getByLabel('Messages per minute per domain').fill('120');
    await page.getByLabel('Domains that require TLS').fill('bank.test\nPartner-Secure.test');
    // Without the public addresses the form says SPF cannot be checked; with them it does not.
    const noSpf = page.getByText('SPF cannot be checked without the public addresses');
    await noSpf.waitFor();
    await screenshot(page, 'direct-server-form-no-addresses');
    await page.getByLabel('EHLO name').fill('mail.example.com');
    await page.getByLabel('Public addresses').fill('192.0.2.7');
    await noSpf.waitFor({ state: 'detached' });
    await screenshot(page, 'direct-server-form');
    await page.getByRole('button', { name: 'Create server' }).click();
    await expect.poll(async () => (await s.live.t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.length).toBe(1);
    const [server] = (await s.live.t.request({ method: 'GET', url: '/api/v1/servers' })).json().items;
    expect(server.smtp).toMatchObject({ mode: 'direct', host: '', port, requireTls: false, direct: { requireTlsDomains: ['bank.test', 'partner-secure.test'], maxConnectionsPerDomain: 2, perDomainPerMinute: 120, ehloName: 'mail.example.com', publicAddresses: ['192.0.2.7'] } });
    await page.goto('/servers');
    const row = page.getByRole('row', { name: /Direct to MX/ });
    await row.getByText('direct', { exact: true }).waitFor();
    expect(await row.getByText('STARTTLS when offered').count()).toBe(1);
    await screenshot(page, 'direct-server-list');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('shows per domain the exchanger that answered and the TLS it negotiated', async () => {
    const api = async (method: string, url: string, payload?: object) => (await s.live.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) })).json();
    const [server] = (await api('GET', '/servers')).items;
    const account = await api('POST', '/accounts', { serverId: server.id, address: 'alerts@example.com' });
    const { id } = await api('POST', '/messages', { accountId: account.id, to: ['ops@partner.test'], subject: 'Disk almost full', text: 'x' });
    await expect.poll(async () => (await api('GET', `/messages/${id}`)).status, { timeout: 20_000 }).toBe('sent');
    expect(received).toEqual([['ops@partner.test']]);
    const { page } = s;
    await page.goto(`/messages/${id}`);
    const table = page.locator('.attempt-routes');
    await table.waitFor();
    expect(await table.getByText('mx.partner.test').count()).toBe(1);
    expect(await table.getByText(/TLSv1\.[23] .*certificate not verified/).count()).toBe(1);
    expect(await table.getByText('opportunistic').count()).toBe(1);
    await screenshot(page, 'direct-message-routes');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('warns in the banner that the sender domain\'s SPF does not cover the public address, and the form shows what was saved', async () => {
    dns.zone.set('example.com', [{ type: 'TXT', data: 'v=spf1 ip4:198.51.100.1 ~all' }]);
    const { page } = s;
    const [server] = (await s.live.t.request({ method: 'GET', url: '/api/v1/servers' })).json().items;
    await page.goto(`/servers/${server.id}`);
    await page.getByText(/The SPF of example\.com does not authorise this machine's public address 192\.0\.2\.7/).waitFor();
    expect(await page.getByText('add "ip4:192.0.2.7" to the SPF record of example.com', { exact: false }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Check SPF →' }).getAttribute('href')).toBe('/domains');
    expect(await page.getByLabel('EHLO name').inputValue()).toBe('mail.example.com');
    expect(await page.getByLabel('Public addresses').inputValue()).toBe('192.0.2.7');
    await screenshot(page, 'direct-spf-banner');
    expect(violations).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
