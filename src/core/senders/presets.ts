import type { SmtpSecurity } from './servers.js';

/**
 * Provider presets: what an admin would otherwise look up in each provider's documentation.
 * They fill a server's host, port and security and say how the login is formed; `catch` is
 * the thing that makes a first attempt with that provider fail.
 */
export interface ProviderPreset {
  id: string;
  name: string;
  smtp: { host: string; port: number; security: SmtpSecurity };
  /** How the SMTP login is formed; "{address}" stands for the account's sender address. */
  usernamePattern: string;
  /** What to put in the password field. */
  password: string;
  catch: string;
  /** Other valid ports, for networks that block the first choice. */
  alternatives?: { port: number; security: SmtpSecurity; note: string }[];
  docs?: string;
}

type Alternative = NonNullable<ProviderPreset['alternatives']>[number];

/** Where most providers take submissions: port 587 with STARTTLS. */
const submission = (host: string): ProviderPreset['smtp'] => ({ host, port: 587, security: 'starttls' });
const IMPLICIT_TLS: Alternative = { port: 465, security: 'tls', note: 'implicit TLS' };
/** Another STARTTLS port some providers open for networks that block 587. */
const when587Blocked = (port: number): Alternative => ({ port, security: 'starttls', note: 'when 587 is blocked' });

export const PRESETS: readonly ProviderPreset[] = [
  {
    id: 'gmail',
    name: 'Gmail / Google Workspace',
    smtp: submission('smtp.gmail.com'),
    usernamePattern: '{address}',
    password: 'an app password (16 characters), not the account password',
    catch:
      'Google refuses the normal account password over SMTP. Turn on 2-Step Verification for the account, then create an app password (Google Account → Security → App passwords) and use it here. Workspace admins may have to allow app passwords first. Gmail rewrites the From to the signed-in account unless the address is added as a "Send mail as" alias.',
    alternatives: [IMPLICIT_TLS],
    docs: 'https://support.google.com/accounts/answer/185833',
  },
  {
    id: 'microsoft365',
    name: 'Microsoft 365 / Exchange Online',
    smtp: submission('smtp.office365.com'),
    usernamePattern: '{address}',
    password: "the mailbox's password (or an app password when MFA is on)",
    catch:
      'SMTP AUTH is switched off by default in new tenants. An Exchange admin must enable "Authenticated SMTP" for the tenant (Security defaults off) and for this mailbox (Microsoft 365 admin center → Users → Mail → Manage email apps). The From must be the mailbox or one it has "Send As" rights for.',
    docs: 'https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission',
  },
  {
    id: 'sendgrid',
    name: 'SendGrid',
    smtp: submission('smtp.sendgrid.net'),
    usernamePattern: 'apikey',
    password: 'a SendGrid API key with "Mail Send" permission',
    catch: 'The user name is literally "apikey" and the password is the API key. The From address (or its domain) must be a verified Sender Identity, or SendGrid drops the mail.',
    alternatives: [IMPLICIT_TLS, when587Blocked(2525)],
    docs: 'https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api',
  },
  {
    id: 'mailgun',
    name: 'Mailgun',
    smtp: submission('smtp.mailgun.org'),
    usernamePattern: 'postmaster@{domain}',
    password: "the domain's SMTP password (Sending → Domain settings → SMTP credentials)",
    catch: 'Credentials belong to one sending domain, and the From must be on it. EU-region domains use smtp.eu.mailgun.org instead.',
    alternatives: [IMPLICIT_TLS, when587Blocked(2525)],
    docs: 'https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp',
  },
  {
    id: 'postmark',
    name: 'Postmark',
    smtp: submission('smtp.postmarkapp.com'),
    usernamePattern: 'the Server API token',
    password: 'the same Server API token',
    catch: 'User name and password are both the Server API token. The From must be a confirmed Sender Signature or on a verified domain. Postmark is for transactional mail: bulk mail needs a broadcast stream.',
    alternatives: [when587Blocked(2525)],
    docs: 'https://postmarkapp.com/developer/user-guide/send-email-with-smtp',
  },
  {
    id: 'ses',
    name: 'Amazon SES',
    smtp: submission('email-smtp.us-east-1.amazonaws.com'),
    usernamePattern: 'the SMTP user name (an access key id made for SMTP)',
    password: 'the SMTP password derived for that key (not the IAM secret key)',
    catch:
      'Replace us-east-1 with your SES region. SMTP credentials are created in the SES console (SMTP settings → Create SMTP credentials); an ordinary IAM secret key does not work. New accounts are in the sandbox: they can only send to verified addresses until production access is granted.',
    alternatives: [IMPLICIT_TLS, when587Blocked(2587)],
    docs: 'https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html',
  },
  {
    id: 'postfix',
    name: 'Own Postfix server',
    smtp: submission('mail.example.com'),
    usernamePattern: 'the SASL login of the submission service',
    password: "that login's password",
    catch:
      'Use the submission port 587 with STARTTLS and SASL AUTH, not port 25. Mail from your own server is only delivered if the sender domain publishes SPF (allowing this server), signs with DKIM and has a DMARC policy; the server needs a reverse DNS name matching its HELO name.',
    alternatives: [{ port: 465, security: 'tls', note: 'submissions (implicit TLS)' }],
  },
  {
    id: 'localhost',
    name: 'Local relay (localhost)',
    smtp: { host: 'localhost', port: 25, security: 'none' },
    usernamePattern: 'none (no login)',
    password: 'none',
    catch:
      'A relay on the same machine (Postfix, a sidecar) that accepts mail without a login and delivers it onward. Plain port 25 is only safe on the loopback or an internal network; the relay itself must handle TLS, SPF and DKIM towards the internet. Connection tests reach it on port 25 without any setting (on another port once the server is saved).',
  },
];
