/**
 * Ready-to-paste settings for pointing a framework's mail at the relay. Every framework here
 * speaks STARTTLS and AUTH; the certificate note matters when the relay uses its self-signed
 * certificate (download it from the status card and let the application trust it).
 */
export interface Connection {
  host: string;
  /** The STARTTLS port. */
  port: number;
  username?: string;
  password?: string;
  from: string;
  selfSigned: boolean;
}

export const FRAMEWORKS = ['Django', 'Laravel', 'Spring Boot', 'Node (nodemailer)'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

const quote = (s: string) => JSON.stringify(s);

export function snippet(framework: Framework, c: Connection): string {
  const auth = c.username !== undefined;
  switch (framework) {
    case 'Django':
      return [
        '# settings.py',
        'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"',
        `EMAIL_HOST = ${quote(c.host)}`,
        `EMAIL_PORT = ${c.port}`,
        'EMAIL_USE_TLS = True  # STARTTLS',
        ...(auth ? [`EMAIL_HOST_USER = ${quote(c.username!)}`, `EMAIL_HOST_PASSWORD = ${quote(c.password ?? '')}`] : []),
        `DEFAULT_FROM_EMAIL = ${quote(c.from)}`,
        // SSL_CERT_FILE replaces the process's CA file (its HTTPS calls too): a bundle, never the relay's file alone.
        ...(c.selfSigned
          ? [
              "# Self-signed relay certificate (Django 4.2+ checks it): add it to the system CA store (update-ca-certificates),",
              '# or start Django with SSL_CERT_FILE naming the system CAs and it together:',
              '# cat /etc/ssl/certs/ca-certificates.crt mailroom-relay.pem > ca-bundle.pem',
            ]
          : []),
      ].join('\n');
    case 'Laravel':
      return [
        '# .env',
        'MAIL_MAILER=smtp',
        `MAIL_HOST=${c.host}`,
        `MAIL_PORT=${c.port}`,
        ...(auth ? [`MAIL_USERNAME=${c.username}`, `MAIL_PASSWORD=${c.password ?? ''}`] : []),
        // Symfony Mailer uses STARTTLS whenever the server offers it; MAIL_ENCRYPTION=tls would pick implicit TLS on port 465 only.
        '# STARTTLS is used because the relay offers it; for the TLS port: MAIL_SCHEME=smtps',
        `MAIL_FROM_ADDRESS=${c.from}`,
        ...(c.selfSigned ? ['# Self-signed relay certificate: add mailroom-relay.pem to the system CA store (update-ca-certificates).'] : []),
      ].join('\n');
    case 'Spring Boot':
      return [
        '# application.properties',
        `spring.mail.host=${c.host}`,
        `spring.mail.port=${c.port}`,
        ...(auth ? [`spring.mail.username=${c.username}`, `spring.mail.password=${c.password ?? ''}`, 'spring.mail.properties.mail.smtp.auth=true'] : []),
        'spring.mail.properties.mail.smtp.starttls.enable=true',
        'spring.mail.properties.mail.smtp.starttls.required=true',
        // JavaMail 1.6 and Jakarta Mail 2.0 (before Angus Mail, Spring Boot 3.1) do not check the name by default.
        'spring.mail.properties.mail.smtp.ssl.checkserveridentity=true',
        ...(c.selfSigned ? ['# Self-signed relay certificate, into the JVM trust store (or a copy of it): keytool -importcert -cacerts -alias mailroom-relay -file mailroom-relay.pem'] : []),
      ].join('\n');
    case 'Node (nodemailer)':
      return [
        "import nodemailer from 'nodemailer';",
        ...(c.selfSigned ? ["import { readFileSync } from 'node:fs';"] : []),
        '',
        'const transport = nodemailer.createTransport({',
        `  host: ${quote(c.host)},`,
        `  port: ${c.port},`,
        '  secure: false, // STARTTLS',
        '  requireTLS: true,',
        ...(auth ? [`  auth: { user: ${quote(c.username!)}, pass: ${quote(c.password ?? '')} },`] : []),
        ...(c.selfSigned ? ["  tls: { ca: readFileSync('mailroom-relay.pem') }, // the relay's self-signed certificate"] : []),
        '});',
        `await transport.sendMail({ from: ${quote(c.from)}, to: 'someone@example.com', subject: 'Hello', text: 'Sent through Mailroom' });`,
      ].join('\n');
  }
}

/** A From address for the examples: the first allowed address, or one at the first allowed domain. */
export function exampleFrom(allowedFrom: readonly string[]): string {
  const first = allowedFrom[0] ?? 'app@example.com';
  return first.startsWith('@') ? `app${first}` : first;
}

/**
 * Where applications should connect: the listen address; when that is every interface, the host
 * the admin UI is on if the relay's certificate holds it, else a name the certificate holds (a
 * client that checks the name, as every example here does, refuses any other): the first one
 * that is neither a wildcard nor a loopback name, this machine's name for the self-signed one.
 */
export function relayHost(listen: string | null, uiHost: string, names: readonly string[] = []): string {
  if (listen && listen !== '0.0.0.0' && listen !== '::') return listen;
  if (!names.length || certificateHolds(names, uiHost)) return uiHost;
  return names.find((n) => !n.startsWith('*.') && !LOOPBACK.has(n.toLowerCase())) ?? uiHost;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** Whether a client checking the name accepts `host` with a certificate for `names` (RFC 6125: a wildcard stands for one whole left-most label). */
export function certificateHolds(names: readonly string[], host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return names.some((name) => {
    const n = name.toLowerCase();
    if (!n.startsWith('*.')) return n === h;
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === n.slice(2);
  });
}
