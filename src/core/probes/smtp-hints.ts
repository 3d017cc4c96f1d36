/**
 * Plain-language advice for connection failures we recognise. Pure: the runner passes what
 * it saw (error codes, SMTP replies, the settings) and shows whatever comes back.
 * Every hint says what to change, not just what went wrong.
 */

export interface HintContext {
  host: string;
  port: number;
  security: 'starttls' | 'tls' | 'none';
  user?: string;
  /** Which protocol is tested (default SMTP): the port and host-name advice differ for IMAP. */
  protocol?: 'smtp' | 'imap';
}

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code ("5.7.8"), when the server sent one. */
  enhanced: string | null;
  /** All lines, joined with newlines, as received. */
  text: string;
}

/** Splits a complete (possibly multi-line) SMTP reply into code, enhanced code and text. */
export function parseReply(text: string): SmtpReply {
  const lines = text.split(/\r?\n/).filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  const code = Number(last.slice(0, 3)) || 0;
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(last);
  return { code, enhanced: m ? m[1] : null, text: lines.join('\n') };
}

const isGmail = (c: HintContext) => /(^|\.)(gmail|googlemail|google)\.com$/.test(c.host);
const isMicrosoft = (c: HintContext) => /(^|\.)(office365\.com|outlook\.com|office\.com|hotmail\.com|live\.com)$/.test(c.host);
const isSendGrid = (c: HintContext) => /(^|\.)sendgrid\.net$/.test(c.host);

/**
 * How far an SMTP conversation had got when the connection failed: the same reset means a wrong
 * TLS mode before the server has answered EHLO, and something else entirely once it has.
 * - connecting: TCP, TLS, the greeting, EHLO;
 * - session: after EHLO (STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA before its 354);
 * - message: after the 354 to DATA (the message, the final dot, its reply).
 */
export type ConversationStage = 'connecting' | 'session' | 'message';

/** A connection the server dropped (reset, broken pipe, or closed without a word) once EHLO had succeeded. */
function hintForDroppedConnection(stage: 'session' | 'message'): string {
  return stage === 'message'
    ? 'The server dropped the connection during the transaction, after DATA, while or after it received the message. ' +
        'The port and security settings are right (the server greeted Mailroom and accepted EHLO, MAIL FROM and RCPT TO); ' +
        'the server gave up on this message: a content filter, a size or rate limit, or a crash. Check the server\'s log for this time. ' +
        'Delivery retries automatically; the server may already have accepted the message, so a retry may deliver a second copy.'
    : 'The server dropped the connection in the middle of the session, after EHLO. The port and security settings are right (the server greeted Mailroom and answered EHLO); ' +
        'the server ended this session by itself: a rate or connection limit, a policy that refuses this sender or this machine, or a crash. Check the server\'s log for this time.';
}

/**
 * `stage`: how far the conversation had got (see ConversationStage); the advice for a dropped
 * connection differs, the rest does not.
 */
export function hintForConnectError(code: string | undefined, c: HintContext, stage: ConversationStage = 'connecting'): string | undefined {
  // ECONNECTION: nodemailer's "Connection closed unexpectedly" (and the probe's own close) carries no system code.
  if (stage !== 'connecting' && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNECTION')) return hintForDroppedConnection(stage);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'ENODATA':
      return `The name ${c.host} does not resolve. Check the spelling of the host (e.g. ${c.protocol === 'imap' ? 'imap.gmail.com, outlook.office365.com' : 'smtp.gmail.com, smtp.office365.com'}).`;
    case 'EAI_AGAIN':
    case 'ETIMEOUT':
    case 'ESERVFAIL':
      return `DNS did not answer for ${c.host}. Check this machine's DNS resolver, or try again.`;
    case 'ECONNREFUSED':
      return `Nothing accepts connections on ${c.host}:${c.port}. Check the port: ` +
        (c.protocol === 'imap' ? '993 (implicit TLS) and 143 (STARTTLS) are the IMAP ports.' : '587 (STARTTLS) and 465 (implicit TLS) are the submission ports; 25 is for server-to-server relay.');
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return `The connection to ${c.host}:${c.port} timed out: a firewall drops the packets or the host is down. ` +
        (c.port === 25 ? 'Many cloud providers block outgoing port 25; use 587 or 465. ' : '') +
        'Check outbound firewall rules for this port.';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `No route to ${c.host}. Check this machine's network (IPv6 without a route is a common cause) and firewall.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'The server closed the connection abruptly. This is typical of a wrong TLS mode for the port, or of a server that refuses this client (IP reputation, rate limits).';
    default:
      return undefined;
  }
}

/**
 * Hints for a certificate that Node refused, by its error code. A pin replaces the host-name
 * check only: delivery and the IMAP reader still verify the chain against the system CAs and a
 * pinned PEM (tlsOptions). So a fingerprint pin is advised only where the chain is fine (a
 * public CA's certificate for another name); a self-signed one needs its PEM pinned, a private
 * CA's needs its own PEM or the CA's PEM (with the server's fingerprint), and nothing pinned
 * revives an expired one. `mode` "pinned": the pin matched, and the chain is what failed.
 */
export function hintForCertificate(code: string | undefined, c: HintContext, fingerprint?: string, mode?: string): string | undefined {
  const pinFingerprint = fingerprint ? ` If you trust this server anyway, pin its certificate: set tlsTrust to { "mode": "pinned", "fingerprint": "${fingerprint}" }.` : '';
  const pinPem = ` If you trust this server anyway, pin the certificate itself: set tlsTrust to { "mode": "pinned", "certificate": "-----BEGIN CERTIFICATE-----…" } with its PEM (\`openssl s_client -connect ${c.host}:${c.port} -showcerts\` prints it; add -starttls smtp or -starttls imap on a STARTTLS port).`;
  const pinned = mode === 'pinned' ? 'The pinned fingerprint matches, but a fingerprint alone is not enough for a certificate no system CA vouches for: Mailroom still checks its chain when it sends or reads mail. ' : '';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `${pinned}The server's certificate is self-signed, so no public CA vouches for it. Install a certificate from a public CA (e.g. Let's Encrypt) on the server.${pinPem}`;
    case 'CERT_HAS_EXPIRED':
      return `The server's certificate has expired. Renew it on the server (an expired certificate is refused whatever is pinned).`;
    case 'CERT_NOT_YET_VALID':
      return `The server's certificate is not valid yet: check the clocks of the server and of this machine.`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return `The certificate is not issued for ${c.host}. Use the host name the certificate names (see subjectAltNames), not an alias or an IP address.${pinFingerprint}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return `${pinned}The certificate chain is incomplete or signed by a private CA: the server must send its intermediate certificates, or pin the server's own certificate (PEM, as "certificate"), or the private CA's certificate (PEM, as "certificate") together with the server's fingerprint.`;
    case 'PIN_MISMATCH':
      return 'The certificate does not match the pinned certificate/fingerprint. If the server renewed its certificate, pin the new one (fingerprint shown above); if not, someone may be intercepting the connection.';
    default:
      // Only a certificate error is a refused certificate: a reset, a timeout or an alert during
      // the handshake came before any certificate was judged (hintForTlsHandshake says those).
      return code && CERTIFICATE_CODE.test(code) ? `${pinned}The certificate was refused (${code}).` : undefined;
  }
}

/** OpenSSL's and Node's codes for a certificate that failed a check (X509_V_ERR_… names, ERR_TLS_CERT_…). */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|HOSTNAME|ISSUER|CHAIN|SIGNATURE|PATH_LENGTH|INVALID_PURPOSE|CRL|PIN_/;

/**
 * A TLS handshake that failed for another reason than a certificate (hintForCertificate has
 * those): the server hung up, went quiet, or found nothing in common with Mailroom. `how`:
 * after the server accepted STARTTLS, or right after connecting (implicit TLS).
 */
export function hintForTlsHandshake(code: string | undefined, c: HintContext, how: 'starttls' | 'implicit'): string | undefined {
  const accepted = how === 'starttls' ? ' (it had accepted STARTTLS)' : '';
  const openssl = `\`openssl s_client -connect ${c.host}:${c.port}${how === 'starttls' ? ` -starttls ${c.protocol === 'imap' ? 'imap' : 'smtp'}` : ''}\` shows the handshake from this machine.`;
  if (!code) return undefined;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNECTION') {
    return `The server closed the connection during the TLS handshake${accepted}, before it sent a certificate Mailroom could check: this is not a refused certificate. ` +
      'Usually the server\'s TLS setup is broken (no certificate or key configured, or one it cannot read), it accepts none of the TLS versions and ciphers Mailroom offers (TLS 1.2 or newer), ' +
      (how === 'implicit' ? 'the port does not expect implicit TLS, ' : '') +
      `or a firewall or proxy on the way interferes with TLS. The server's log says which; ${openssl}`;
  }
  if (code === 'TLS_TIMEOUT') {
    return `The TLS handshake did not finish in time${accepted}: the server stopped answering in the middle of it (a broken TLS setup, or a firewall or proxy holding the connection). ${openssl}`;
  }
  if (/ALERT_HANDSHAKE_FAILURE|ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS|NO_SHARED_CIPHER|VERSION_TOO_LOW|NO_CIPHERS/.test(code)) {
    return `The server and Mailroom have no TLS version or cipher in common (${code}): Mailroom uses TLS 1.2 or newer with current ciphers. Update the server's TLS settings. ${openssl}`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' && how === 'starttls') {
    return 'The server accepted STARTTLS but then did not speak TLS (it went on in plain text): its STARTTLS support is broken, or a middlebox on the way intercepts it. Ask the server\'s admin.';
  }
  return `The TLS handshake failed (${code}) before any certificate was checked. The server's log says why; ${openssl}`;
}

/**
 * A connection that was made (TCP, and TLS on an implicit-TLS port) but on which the server
 * never sent its greeting within the connect timeout. Not a firewall dropping packets (those stop
 * the connection itself): the server is there and keeps quiet.
 */
export function hintForNoGreeting(c: HintContext): string {
  return `Mailroom connected to ${c.host}:${c.port}, but the server never sent its greeting within the connect timeout. The connection was made, so no firewall dropped it: ` +
    (c.security === 'tls'
      ? 'the server is overloaded or delays its greeting on purpose (tarpitting, often for addresses it distrusts), or this port is not an SMTP server (an HTTPS port, say, also completes TLS and then waits). '
      : `the server is overloaded or delays its greeting on purpose (tarpitting, often for addresses it distrusts), or the port expects implicit TLS and waits for a TLS handshake that a plain connection never starts${c.port === 465 ? ' (port 465 does: set security to "tls")' : ' (then set security to "tls")'}, or it is not an SMTP server. `) +
    'Run Test connection on this server to see which; delivery retries automatically.';
}

/**
 * The most common misconfiguration: implicit TLS on a STARTTLS port or the reverse. `probe`
 * is what the runner saw when it tried the other mode on the same address and port.
 */
export function hintForWrongTlsMode(c: HintContext, probe: 'tls-works' | 'plain-works' | 'nothing'): string {
  if (probe === 'tls-works') {
    return `Port ${c.port} expects implicit TLS (like 465): a TLS handshake on it succeeded. Set security to "tls".`;
  }
  if (probe === 'plain-works') {
    return `Port ${c.port} speaks plain SMTP first (STARTTLS, like 587): a plain connection got an SMTP greeting. Set security to "starttls".`;
  }
  return c.security === 'tls'
    ? `The TLS handshake failed and a plain connection got no greeting either: check that ${c.host}:${c.port} is an SMTP server at all.`
    : `The server accepted the connection but never sent its greeting, and a TLS handshake did not work either: ` +
        'this is not an SMTP server, or a firewall/proxy holds the connection open.';
}

/**
 * `heloOnly`: the server refused EHLO and answered HELO, which announces no extensions at all,
 * so it cannot offer STARTTLS however it is configured for others.
 */
export function hintNoStarttls(hasCredentials: boolean, heloOnly = false): string {
  if (heloOnly) {
    return hasCredentials
      ? 'The server does not understand EHLO (it answered HELO only), so it offers no extensions: no STARTTLS and no AUTH, and Mailroom never sends a password in plain text. ' +
          'Use the provider\'s submission port (587 with STARTTLS or 465 with security "tls").'
      : 'The server does not understand EHLO (it answered HELO only), so it cannot offer STARTTLS: messages would travel unencrypted. ' +
          'Use a port with STARTTLS or implicit TLS, or set security to "none" for an internal relay you trust.';
  }
  return hasCredentials
    ? 'The server does not offer STARTTLS, and Mailroom never sends a password in plain text. ' +
        'Use the provider\'s submission port (587 with STARTTLS or 465 with security "tls"); if the server offers STARTTLS to others, a middlebox may be stripping it.'
    : 'The server does not offer STARTTLS. Messages would travel unencrypted: use a port with STARTTLS or implicit TLS, or set security to "none" for an internal relay you trust.';
}

/**
 * Credentials were given for a connection that stays unencrypted (security "none"). Encryption
 * is off because the admin chose it, not because the server or the network took it away: the
 * fix is the setting (and, when the server offers no STARTTLS here, the port that goes with it).
 */
export function hintPlainTextLogin(starttlsOffered: boolean, heloOnly = false): string {
  if (heloOnly) return hintNoStarttls(true, true);
  return starttlsOffered
    ? 'The server offers STARTTLS, but with security "none" the connection is never encrypted, and Mailroom never sends a password in plain text. ' +
        'Set security to "starttls" so that the password goes over TLS (or remove the credentials for a relay that lets this machine send without logging in).'
    : 'Encryption is off (security "none"), and Mailroom never sends a password in plain text. ' +
        'To log in, set security to "starttls" or "tls" with the port that goes with it (587 with STARTTLS or 465 with TLS: the server does not offer STARTTLS on this port), ' +
        'or remove the credentials for a relay that lets this machine send without logging in.';
}

/** The server broke RFC 5321's reply rules (ReplyGuard, the same check delivery makes). */
export function hintForProtocolViolation(): string {
  return 'The server broke the SMTP protocol: a reply that answers no command, does not fit the command it answers, or changes its code between lines (RFC 5321 §4.2). ' +
    'Delivery ends such a session at once, so that no reply is read as the answer to another command: mail through this server is delayed, or fails when the whole message had gone out. ' +
    'Ask the server\'s admin; a proxy, firewall or filter between Mailroom and the server that rewrites SMTP replies is a common cause.';
}

export function hintNoAuthOffered(c: HintContext, encrypted: boolean): string {
  return encrypted
    ? `The server offers no AUTH on port ${c.port}. It may be a relay that authorises by IP address (then remove the credentials), or authentication is on another port (587/465).`
    : `The server offers AUTH only after TLS, or not on port ${c.port}. Use security "starttls" or "tls".`;
}

export function hintForSize(limit: number, messageBytes: number): string | undefined {
  if (limit > 0 && messageBytes > limit) {
    return `The server accepts messages up to ${limit} bytes; this one is ${messageBytes}. Reduce attachments or ask the provider for a higher limit.`;
  }
  return undefined;
}

/** Hints for an SMTP reply at a given step (auth, send …). */
export function hintForReply(step: string, r: SmtpReply, c: HintContext): string | undefined {
  const enh = r.enhanced ?? '';
  const text = r.text.toLowerCase();
  if (r.code === 535 || r.code === 534 || (step === 'auth' && r.code >= 500)) {
    if (enh === '5.7.139' || text.includes('smtpclientauthentication') || (isMicrosoft(c) && text.includes('disabled'))) {
      return 'Microsoft 365 has SMTP AUTH disabled for this mailbox or tenant (5.7.139). An Exchange admin must enable "Authenticated SMTP" for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false) and security defaults must allow it.';
    }
    if (isGmail(c) || text.includes('application-specific password') || text.includes('support.google.com')) {
      return 'Google refuses the account password over SMTP. Turn on 2-Step Verification for the account and create an app password (Google Account → Security → App passwords); use it as the password.';
    }
    if (isSendGrid(c)) {
      return c.user === 'apikey'
        ? 'SendGrid refused the API key: the password must be a valid API key with "Mail Send" permission.'
        : `SendGrid expects the user name "apikey" (literally) and an API key as the password; the user "${c.user ?? ''}" will not work.`;
    }
    if (isMicrosoft(c)) {
      return 'Microsoft refused the credentials. Check the password; accounts with MFA need an app password, and SMTP AUTH must be enabled for the mailbox.';
    }
    if (r.code === 535 || enh === '5.7.8') {
      return 'The user name or password is wrong. Check both; some providers need the full email address as the user name, or an app-specific password.';
    }
    if (r.code === 504 || enh === '5.5.4' || enh === '5.7.4') {
      return 'The server does not accept this authentication mechanism; Mailroom uses PLAIN or LOGIN.';
    }
  }
  if (r.code === 530 || enh === '5.7.0') {
    if (text.includes('starttls')) return 'The server requires STARTTLS before this command. Set security to "starttls" (or "tls" on port 465).';
    const said = `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''}`;
    // 5.7.0 is any security or policy refusal (RFC 3463): what it means depends on how far the
    // session got, and "set a user name" only helps where a login was due and none is set.
    if (step === 'ehlo') {
      return `The server refused this client at the start of the session (${said} to the greeting or EHLO), before any login could be tried${c.user ? ': the credentials are not the cause' : ''}. ` +
        'Such a refusal is by policy: usually this machine\'s address is blocked or not allowed (a blocklist, IP reputation, a network or country restriction), or the server refuses the name Mailroom gives in EHLO. ' +
        'Ask the server\'s admin to allow this machine\'s address, quoting the server\'s words.';
    }
    if (step === 'starttls') {
      return `The server refused STARTTLS by policy (${said}), before any login: this machine's address may not be allowed to use it. Ask the server's admin, quoting the server's words.`;
    }
    if (step === 'auth') {
      return `The server refused the login by policy (${said}), not as a wrong password: the account may be locked or not allowed to use SMTP, or this machine's address may not log in. Check the account's SMTP access with the provider, quoting the server's words.`;
    }
    const asksForLogin = r.code === 530 || /auth/.test(text);
    if (asksForLogin && !c.user) return 'The server requires authentication before sending. Set a user name and password on the account.';
    if (asksForLogin) {
      return `A login (${c.user}) is set, yet the server requires authentication when sending (${said}): it offered no AUTH on this port, so Mailroom sent without logging in (authentication is then on another port, usually 587 or 465), or this login is not allowed to send through this server. Test connection shows whether AUTH is offered.`;
    }
    // Any other 5.7.0 while sending is the policy refusal below (sender, relay, address).
  }
  if (enh === '5.3.4' || r.code === 552) {
    return 'The message exceeds the server\'s size limit. Reduce attachments, or ask the provider for a higher limit.';
  }
  if ((r.code === 550 || r.code === 553 || r.code === 554 || enh === '5.7.0') && enh.startsWith('5.7.')) {
    if (text.includes('relay')) {
      return 'The server refuses to relay to this recipient: authenticate (set credentials), or ask the relay\'s admin to allow this machine\'s address.';
    }
    return step === 'send' && text.includes('sender')
      ? 'The server does not allow this account to send as this sender address. Use the address you log in with, or an alias the provider has verified for it.'
      : 'The server refused by policy (5.7.x): the sender address is not allowed for this login, or this machine\'s address is blocked. Use the login\'s own address as sender, or ask the provider.';
  }
  // Before the general 4xx words: a refused STARTTLS is the server's TLS setup, not a rate limit.
  if (r.code === 454 && step === 'starttls') {
    return 'The server offers STARTTLS but cannot start TLS right now (its certificate or TLS setup is broken). Ask the server\'s admin.';
  }
  if (r.code === 421 || (r.code >= 450 && r.code < 460)) {
    return 'The server refused temporarily (4xx): rate limit, greylisting or overload. Delivery retries automatically; if it persists, check the provider\'s limits.';
  }
  return undefined;
}

/** Why a server refused an XOAUTH2 login, in the admin's terms: the usual causes at Microsoft 365 and Google. */
export function hintForXoauth2(r: SmtpReply, challenge?: string): string {
  const enh = r.enhanced ?? '';
  if (enh === '5.7.139' || /smtpclientauthentication|disabled/i.test(r.text)) {
    return 'SMTP AUTH is disabled for this mailbox or tenant: an Exchange admin runs Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (and security defaults must allow it).';
  }
  if (enh === '5.7.3' || enh === '5.7.8' || /"status":"40[13]"/.test(challenge ?? '')) {
    return 'The token was refused: the app lacks permission on this mailbox (Microsoft: SMTP.SendAsApp with admin consent, New-ServicePrincipal and Add-MailboxPermission; Google: the https://mail.google.com/ scope), or the token belongs to another user than the login.';
  }
  return 'The server refused the OAuth2 token: check the account\'s OAuth2 settings (tenant, client id, scope) and that the token is for this mailbox.';
}
