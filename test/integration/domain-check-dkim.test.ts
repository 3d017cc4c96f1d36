import { Resolver } from 'node:dns/promises';
import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

await describeEachDialect('sender-domain check and DKIM', (dialect) => {
  let t: TestApp;
  let dns: DnsServer;
  let peer: SmtpPeer;
  let dispatcher: Dispatcher;
  let goodAccount: string;
  let brokenAccount: string;

  beforeAll(async () => {
    dns = await startDnsServer();
    peer = await startSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    t = await startTestApp(dialect, { env: { MAILROOM_DNS_SERVERS: `127.0.0.1:${dns.port}` } });
    dispatcher = await t.app.startDelivery({ loop: false });
    // The account's server is a name in our loopback DNS: 192.0.2.10 (never contacted by the check).
    const s = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'relay', smtp: { host: 'smtp.good.example', security: 'none', requireTls: false } } });
    expect(s.statusCode).toBe(201);
    goodAccount = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: s.json().id, address: 'app@good.example' } })).json().id;
    brokenAccount = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: s.json().id, address: 'app@broken.example' } })).json().id;
    dns.zone.set('smtp.good.example', [{ type: 'A', address: '192.0.2.10' }]);
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
    await dns?.stop();
  });

  it('generates a DKIM key, stores the private key encrypted, and shows the record to publish', async () => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/dkim/Good.Example', payload: { selector: 's2025' } });
    expect(res.statusCode).toBe(200);
    const k = res.json();
    expect(k).toMatchObject({ domain: 'good.example', selector: 's2025', keyBits: 2048, source: 'generated', version: 1 });
    expect(k.dnsRecord.name).toBe('s2025._domainkey.good.example');
    expect(k.dnsRecord.value).toBe(`v=DKIM1; k=rsa; p=${k.publicKey}`);
    expect(k.dnsRecord.chunks.join('')).toBe(k.dnsRecord.value);
    expect(res.body).not.toContain('PRIVATE KEY');
    const stored = await t.app.ports.ctx.store.repos.dkimKeys.get('good.example');
    expect(await t.app.ports.ctx.store.repos.secrets.reveal(stored!.privateKeySecretId)).toContain('BEGIN PRIVATE KEY');
    const list = await t.request({ method: 'GET', url: '/api/v1/dkim' });
    expect(list.json().items.map((i: { domain: string }) => i.domain)).toEqual(['good.example']);
    expect((await t.request({ method: 'GET', url: '/api/v1/audit?action=dkim.create' })).body).not.toContain('PRIVATE KEY');
  });

  it('imports a PEM key and refuses keys it cannot sign with', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const res = await t.request({ method: 'PUT', url: '/api/v1/dkim/broken.example', payload: { privateKey: pem } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ selector: 'mailroom', source: 'imported', keyBits: 2048 });
    expect(res.body).not.toContain('PRIVATE KEY');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bad = await t.request({ method: 'PUT', url: '/api/v1/dkim/other.example', payload: { privateKey: ec } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('must be an RSA key');
    const junk = await t.request({ method: 'PUT', url: '/api/v1/dkim/other.example', payload: { privateKey: 'not a key' } });
    expect(junk.json().error.code).toBe('MAILROOM_E_VALIDATION');
    const selector = await t.request({ method: 'PUT', url: '/api/v1/dkim/other.example', payload: { selector: 'bad selector!' } });
    expect(selector.json().error.message).toContain('selector');
    expect((await t.request({ method: 'GET', url: '/api/v1/dkim/other.example' })).statusCode).toBe(404);
  });

  it('passes a domain whose MX, SPF (covering the server via include), DKIM and DMARC are right', async () => {
    const key = (await t.request({ method: 'GET', url: '/api/v1/dkim/good.example' })).json();
    dns.zone.set('good.example', [
      { type: 'MX', exchange: 'mx.good.example', priority: 10 },
      { type: 'TXT', data: 'v=spf1 include:_spf.good.example -all' },
      { type: 'TXT', data: 'google-site-verification=abc' },
    ]);
    dns.zone.set('_spf.good.example', [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' }]);
    dns.zone.set('s2025._domainkey.good.example', [{ type: 'TXT', data: key.dnsRecord.chunks }]);
    dns.zone.set('_dmarc.good.example', [{ type: 'TXT', data: 'v=DMARC1; p=reject; rua=mailto:dmarc@good.example' }]);
    const res = await t.request({ method: 'GET', url: `/api/v1/domains/good.example/check?accountId=${goodAccount}` });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.ok).toBe(true);
    expect([c.mx.status, c.spf.status, c.dkim.status, c.dmarc.status]).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(c.spf).toMatchObject({ covers: true, serverHost: 'smtp.good.example', serverAddresses: ['192.0.2.10'], records: ['v=spf1 include:_spf.good.example -all'] });
    expect(c.dkim).toMatchObject({ selector: 's2025', matchesConfiguredKey: true });
    expect(c.dmarc).toMatchObject({ policy: 'reject' });
    for (const part of [c.mx, c.spf, c.dkim, c.dmarc]) expect(part.explanation.length).toBeGreaterThan(20);
  });

  it('explains every broken record of a misconfigured domain', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    dns.zone.set('broken.example', [{ type: 'TXT', data: 'v=spf1 ip4:198.51.100.1 -all' }]);
    dns.zone.set('mailroom._domainkey.broken.example', [{ type: 'TXT', data: `v=DKIM1; k=rsa; p=${other}` }]);
    dns.zone.set('_dmarc.broken.example', [{ type: 'TXT', data: 'v=DMARC1; p=none' }]);
    const c = (await t.request({ method: 'GET', url: `/api/v1/domains/broken.example/check?accountId=${brokenAccount}` })).json();
    expect(c.ok).toBe(false);
    expect(c.mx.status).toBe('warn');
    expect(c.mx.explanation).toContain('no MX record');
    expect(c.spf).toMatchObject({ status: 'fail', covers: false, results: { '192.0.2.10': 'fail' } });
    expect(c.spf.hint).toContain('a:smtp.good.example');
    expect(c.dkim).toMatchObject({ status: 'fail', matchesConfiguredKey: false });
    expect(c.dkim.explanation).toContain('not the key Mailroom signs with');
    expect(c.dmarc).toMatchObject({ status: 'warn', policy: 'none' });

    dns.zone.set('broken.example', [{ type: 'TXT', data: 'v=spf1 -all' }, { type: 'TXT', data: 'v=spf1 +all' }]);
    const twice = (await t.request({ method: 'GET', url: '/api/v1/domains/broken.example/check' })).json();
    expect(twice.spf.explanation).toContain('2 SPF records');
    const missing = (await t.request({ method: 'GET', url: '/api/v1/domains/nothing.example/check?selector=google' })).json();
    expect([missing.spf.status, missing.dkim.status, missing.dmarc.status]).toEqual(['fail', 'fail', 'warn']);
    expect(missing.dmarc.hint).toContain('v=DMARC1; p=none');
    const bad = await t.request({ method: 'GET', url: '/api/v1/domains/not_a domain/check' });
    expect(bad.statusCode).toBe(400);
  });

  // An SPF hint is copied into DNS as it stands: "a:" takes a domain name, so a relay given by its address needs "ip4:"/"ip6:".
  it('suggests SPF mechanisms that are valid for a relay given by address, by name, or at a known provider', async () => {
    const account = async (name: string, host: string, address: string) => {
      const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name, smtp: { host, security: 'none', requireTls: false } } })).json();
      const res = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const byAddress = await account('relay by address', '192.0.2.20', 'app@noaddr.example');
    const byV6 = await account('relay by IPv6', '2001:db8::25', 'app@nov6.example');
    const byName = await account('relay by name', 'smtp.good.example', 'app@noname.example');
    const atProvider = await account('relay at SendGrid', 'smtp.sendgrid.net', 'app@noprov.example');
    const hint = async (domain: string, accountId: string) => (await t.request({ method: 'GET', url: `/api/v1/domains/${domain}/check?accountId=${accountId}` })).json().spf.hint as string;

    // No SPF record at all: the record to publish.
    expect(await hint('noaddr.example', byAddress)).toContain('"v=spf1 ip4:192.0.2.20 ~all"');
    expect(await hint('nov6.example', byV6)).toContain('"v=spf1 ip6:2001:db8::25 ~all"');
    expect(await hint('noname.example', byName)).toContain('"v=spf1 a:smtp.good.example ~all"');
    expect(await hint('noprov.example', atProvider)).toContain('"v=spf1 include:sendgrid.net ~all"');
    for (const [domain, id] of [['noaddr.example', byAddress], ['nov6.example', byV6]] as const) expect(await hint(domain, id)).not.toMatch(/a:[0-9]/);

    // A record that leaves the relay out: the mechanism to add.
    dns.zone.set('noaddr.example', [{ type: 'TXT', data: 'v=spf1 ip4:198.51.100.1 -all' }]);
    const added = await hint('noaddr.example', byAddress);
    expect(added).toBe('Add "ip4:192.0.2.20" before the "all" of the record.');
    dns.zone.set('noname.example', [{ type: 'TXT', data: 'v=spf1 ip4:198.51.100.1 -all' }]);
    expect(await hint('noname.example', byName)).toBe('Add "a:smtp.good.example" or "ip4:192.0.2.10" before the "all" of the record.');
  });

  // The admin UI shows the record to publish with Copy buttons: the hint sends admins there, not to an API call first.
  it('points the DKIM hint to the Domains page, where the record is shown', async () => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/dkim/unpublished.example', payload: { keyBits: 1024 } });
    expect(res.statusCode, res.body).toBe(200);
    const dkim = (await t.request({ method: 'GET', url: '/api/v1/domains/unpublished.example/check' })).json().dkim;
    expect(dkim.status).toBe('fail');
    expect(dkim.hint).toMatch(/^Publish the TXT record of Mailroom's key at mailroom\._domainkey\.unpublished\.example: Domains in the admin UI shows its name and value with Copy buttons/);
    expect(dkim.hint.indexOf('Domains in the admin UI')).toBeLessThan(dkim.hint.indexOf('/api/v1/'));
  });

  it('signs outgoing mail for the domain; the receiver verifies the signature with mailauth', async () => {
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'news@good.example' } })).json();
    const sent = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.id, to: ['reader@example.net'], subject: 'Signed', text: 'Hello, signed world.' } });
    expect(sent.statusCode).toBe(202);
    await dispatcher.drain();
    const raw = peer.messages.at(-1)!.raw;
    expect(raw.toString()).toMatch(/^DKIM-Signature: .*d=good\.example/m);
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${dns.port}`]);
    const result = await authenticate(raw, {
      ip: '192.0.2.10',
      helo: 'smtp.good.example',
      sender: 'news@good.example',
      mta: 'mx.example.net',
      resolver: (name: string, rrtype: string) => resolver.resolve(name, rrtype as 'TXT') as Promise<string[][]>,
    });
    const sig = result.dkim.results[0];
    expect(sig.signingDomain).toBe('good.example');
    expect(sig.status.result).toBe('pass');
    expect(result.spf && typeof result.spf === 'object' ? result.spf.status.result : null).toBe('pass');
    expect(result.dmarc && typeof result.dmarc === 'object' ? result.dmarc.status.result : null).toBe('pass');
  });

  it('takes a domain typed in Unicode as the ASCII form its addresses are stored in, and signs their mail with that key', async () => {
    const unicode = encodeURIComponent('Bücher.example');
    const res = await t.request({ method: 'PUT', url: `/api/v1/dkim/${unicode}`, payload: { keyBits: 1024 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ domain: 'xn--bcher-kva.example', dnsRecord: { name: 'mailroom._domainkey.xn--bcher-kva.example' } });
    expect((await t.request({ method: 'GET', url: `/api/v1/dkim/${unicode}` })).json().domain).toBe('xn--bcher-kva.example');
    expect((await t.request({ method: 'GET', url: '/api/v1/dkim/xn--bcher-kva.example' })).statusCode).toBe(200);
    const check = await t.request({ method: 'GET', url: `/api/v1/domains/${unicode}/check` });
    expect(check.statusCode, check.body).toBe(200);
    expect(check.json()).toMatchObject({ domain: 'xn--bcher-kva.example', dkim: { selector: 'mailroom', name: 'mailroom._domainkey.xn--bcher-kva.example' } });

    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer for bücher', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'news@bücher.example' } })).json();
    expect(account.address).toBe('news@xn--bcher-kva.example');
    expect((await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.id, to: ['reader@example.net'], subject: 'Signed', text: 'Hello.' } })).statusCode).toBe(202);
    await dispatcher.drain();
    const signature = peer.messages.at(-1)!.raw.toString().match(/^DKIM-Signature: .*(\r\n[ \t].*)*/m)?.[0];
    expect(signature).toMatch(/\bd=xn--bcher-kva\.example;/);
    // Text that is no domain in either form is still refused, naming what was typed.
    expect((await t.request({ method: 'PUT', url: `/api/v1/dkim/${encodeURIComponent('bü cher.example')}`, payload: {} })).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'domain' } });
  });

  it('deletes a key and its secret', async () => {
    const stored = await t.app.ports.ctx.store.repos.dkimKeys.get('broken.example');
    const res = await t.request({ method: 'DELETE', url: '/api/v1/dkim/broken.example' });
    expect(res.statusCode).toBe(204);
    await expect(t.app.ports.ctx.store.repos.secrets.reveal(stored!.privateKeySecretId)).rejects.toThrow();
    expect((await t.request({ method: 'DELETE', url: '/api/v1/dkim/broken.example' })).statusCode).toBe(404);
  });
});
