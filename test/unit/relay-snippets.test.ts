import { describe, expect, it } from 'vitest';
import { certificateHolds, relayHost, snippet } from '../../web/src/features/relay/snippets.js';

/**
 * The admin UI's ready-to-paste settings say what docs/relay.md says, as tried with each
 * framework's mail library: Django's SSL_CERT_FILE is a bundle (it replaces the process's CA
 * file), Laravel needs no MAIL_ENCRYPTION for STARTTLS (=tls picks implicit TLS on 465 only),
 * Spring checks the relay's name also where Jakarta Mail would not by default.
 */
const connection = { host: 'mail.example.test', port: 2587, username: 'billing-app', password: 'pw', from: 'billing@example.com', selfSigned: true };

describe('relay snippets', () => {
  it('Django: the self-signed certificate goes into a CA bundle, never SSL_CERT_FILE alone', () => {
    const text = snippet('Django', connection);
    expect(text).toContain('EMAIL_USE_TLS = True');
    expect(text).toContain('cat /etc/ssl/certs/ca-certificates.crt mailroom-relay.pem > ca-bundle.pem');
    expect(text).not.toMatch(/SSL_CERT_FILE=\/path\/to\/mailroom-relay\.pem/);
  });

  it('Laravel: no MAIL_ENCRYPTION=tls (on port 2587 it would mean nothing, on the TLS port plain text)', () => {
    const text = snippet('Laravel', connection);
    expect(text).not.toContain('MAIL_ENCRYPTION');
    expect(text).toContain('MAIL_SCHEME=smtps');
  });

  it('Spring Boot: the relay name is checked, and the certificate goes into the JVM trust store', () => {
    const text = snippet('Spring Boot', connection);
    expect(text).toContain('spring.mail.properties.mail.smtp.ssl.checkserveridentity=true');
    expect(text).toContain('keytool -importcert -cacerts');
  });

  it('says nothing of certificates when the relay has a trusted one', () => {
    for (const framework of ['Django', 'Laravel', 'Spring Boot', 'Node (nodemailer)'] as const) expect(snippet(framework, { ...connection, selfSigned: false })).not.toContain('mailroom-relay.pem');
  });
});

describe('the host the snippets connect to', () => {
  const names = ['mail-1', 'localhost', '127.0.0.1', '::1'];
  it('is the listen address when the relay listens on one', () => {
    expect(relayHost('10.0.0.5', 'admin.example.com', names)).toBe('10.0.0.5');
  });
  it('listening everywhere: the admin UI\'s host when the certificate holds it', () => {
    expect(relayHost('0.0.0.0', 'localhost', names)).toBe('localhost');
    expect(relayHost('::', 'mail-1', names)).toBe('mail-1');
    expect(relayHost('0.0.0.0', 'relay.example.com', ['*.example.com'])).toBe('relay.example.com');
  });
  it('listening everywhere: a name the certificate holds when the admin UI is reached by another (a client checking the name would refuse it)', () => {
    expect(relayHost('0.0.0.0', '203.0.113.7', names)).toBe('mail-1');
    expect(relayHost('0.0.0.0', 'a.b.example.com', ['*.example.com', 'mail.example.com'])).toBe('mail.example.com');
  });
  it('no names known (relay off, an older server): the admin UI\'s host', () => {
    expect(relayHost('0.0.0.0', '203.0.113.7', [])).toBe('203.0.113.7');
  });
  it('tells whether a client checking the name accepts a host', () => {
    expect(certificateHolds(names, 'MAIL-1')).toBe(true);
    expect(certificateHolds(['*.example.com'], 'x.example.com')).toBe(true);
    expect(certificateHolds(['*.example.com'], 'example.com')).toBe(false);
    expect(certificateHolds(['*.example.com'], 'a.x.example.com')).toBe(false);
    expect(certificateHolds(names, '10.0.0.5')).toBe(false);
  });
});
