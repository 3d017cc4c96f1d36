/**
 * What each step of a connection test is called where people read it: the admin UI's titles
 * and the API's "not run: TCP connect failed" alike (the UI imports this file).
 */
export const STEP_LABELS: Readonly<Record<string, string>> = {
  dns: 'DNS lookup',
  tcp: 'TCP connect',
  tls: 'TLS handshake',
  ehlo: 'EHLO (capabilities)',
  starttls: 'STARTTLS',
  auth: 'Login (AUTH)',
  send: 'Test message',
  login: 'Login',
  inbox: 'Open INBOX',
};
