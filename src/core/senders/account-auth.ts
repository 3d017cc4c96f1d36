import { invalid } from '../kernel/errors.js';
import { hasControlChars } from '../kernel/header-safety.js';
import { doc, onlyKeys, oneOf, optStr, str } from '../kernel/validate.js';
import { formatSecretRef, parseSecretRef } from '../credentials/references.js';

/**
 * How an account logs in to its SMTP (and IMAP) server: a password (or a reference to one), or
 * OAuth2 (SASL XOAUTH2) with an access token Mailroom fetches and refreshes itself. Microsoft 365
 * with client credentials (an app, no user), Google and other providers with a refresh token.
 * The client secret and the refresh token are write-only and stored encrypted.
 */
export type OAuth2Provider = 'microsoft' | 'google' | 'generic';
export const OAUTH2_PROVIDERS: readonly OAuth2Provider[] = ['microsoft', 'google', 'generic'];

export interface OAuth2Settings {
  type: 'oauth2';
  provider: OAuth2Provider;
  /** Microsoft: the directory (tenant) id or domain. */
  tenantId: string | null;
  clientId: string;
  /** Where the client secret lives, instead of storing it (internal:, vault:, azure-keyvault: …). */
  clientSecretRef: string | null;
  /** The token endpoint; by default the provider's own. */
  tokenUrl: string | null;
  /** The authorization endpoint "Connect" sends the admin's browser to; by default the provider's own. */
  authorizeUrl: string | null;
  /** Space-separated scopes; by default what SMTP and IMAP need at the provider. */
  scope: string | null;
  /** A PEM trusted besides the system CAs for the token endpoint (a private identity provider). */
  caCertificate: string | null;
}

export type AccountAuth = { type: 'password' } | OAuth2Settings;

export const PASSWORD_AUTH: AccountAuth = { type: 'password' };

/** The write-only parts that travel beside the settings: undefined keeps, null removes. */
export interface OAuth2SecretsInput {
  clientSecret: string | null | undefined;
  refreshToken: string | null | undefined;
}

const TENANT = /^([0-9a-fA-F-]{36}|[A-Za-z0-9.-]{1,253})$/;
const PEM_CERT = /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
const ENDPOINTS: Record<Exclude<OAuth2Provider, 'generic'>, (tenant: string) => string> = {
  microsoft: (tenant) => `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`,
  google: () => 'https://oauth2.googleapis.com/token',
};

/** Microsoft's resource for SMTP and IMAP with client credentials (the app's own token). */
export const MICROSOFT_APP_SCOPE = 'https://outlook.office365.com/.default';
/** Delegated scopes (a signed-in mailbox): SMTP and IMAP, and a refresh token. */
export const MICROSOFT_DELEGATED_SCOPE = 'https://outlook.office365.com/SMTP.Send https://outlook.office365.com/IMAP.AccessAsUser.All offline_access';
export const GOOGLE_SCOPE = 'https://mail.google.com/';

function oneLine(field: string, v: unknown, max: number): string {
  const s = str(field, v, { max }).trim();
  if (hasControlChars(s)) throw invalid(field, 'must be one line without control characters');
  return s;
}

function httpsUrl(field: string, v: unknown): string {
  const s = oneLine(field, v, 500);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw invalid(field, `"${s}" is not a URL`);
  }
  if (u.protocol !== 'https:') throw invalid(field, 'must be an https:// URL: the client secret and tokens never cross the network in plain text');
  if (u.username || u.password || u.hash) throw invalid(field, 'must not carry a user, password or fragment');
  return u.toString();
}

/** Validates `auth` as given on an account (absent: password). */
export function normalizeAccountAuth(v: unknown): AccountAuth {
  if (v === undefined || v === null) return PASSWORD_AUTH;
  const d = doc('auth', v);
  const type = oneOf('auth.type', d.type, ['password', 'oauth2'] as const);
  if (type === 'password') {
    onlyKeys('auth', d, ['type']);
    return PASSWORD_AUTH;
  }
  onlyKeys('auth', d, ['type', 'provider', 'tenantId', 'clientId', 'clientSecret', 'clientSecretRef', 'refreshToken', 'tokenUrl', 'authorizeUrl', 'scope', 'caCertificate']);
  const provider = oneOf('auth.provider', d.provider, OAUTH2_PROVIDERS);
  const tenantId = optStr('auth.tenantId', d.tenantId, { max: 253 }) ?? null;
  if (provider === 'microsoft' && !tenantId) throw invalid('auth.tenantId', 'is required for Microsoft: the directory (tenant) id of the app registration');
  if (tenantId && !TENANT.test(tenantId)) throw invalid('auth.tenantId', 'must be the tenant id (a GUID) or its domain name');
  const tokenUrl = d.tokenUrl === undefined || d.tokenUrl === null || d.tokenUrl === '' ? null : httpsUrl('auth.tokenUrl', d.tokenUrl);
  if (provider === 'generic' && !tokenUrl) throw invalid('auth.tokenUrl', "is required for a generic provider: its OAuth2 token endpoint");
  const ref = optStr('auth.clientSecretRef', d.clientSecretRef, { max: 500 });
  const caCertificate = optStr('auth.caCertificate', d.caCertificate, { max: 20_000 });
  if (caCertificate && !PEM_CERT.test(caCertificate.trim())) throw invalid('auth.caCertificate', 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  const scope = optStr('auth.scope', d.scope, { max: 1000 });
  return {
    type: 'oauth2',
    provider,
    tenantId,
    clientId: oneLine('auth.clientId', d.clientId, 200),
    clientSecretRef: ref ? formatSecretRef(parseSecretRef('auth.clientSecretRef', ref)) : null,
    tokenUrl,
    authorizeUrl: d.authorizeUrl === undefined || d.authorizeUrl === null || d.authorizeUrl === '' ? null : httpsUrl('auth.authorizeUrl', d.authorizeUrl),
    scope: scope ? oneLine('auth.scope', scope, 1000) : null,
    caCertificate: caCertificate ? caCertificate.trim() + '\n' : null,
  };
}

/** The write-only fields of `auth`: the client secret and the refresh token. */
export function oauth2SecretsOf(v: unknown): OAuth2SecretsInput {
  const d = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const one = (k: 'clientSecret' | 'refreshToken') => {
    if (d[k] === undefined) return undefined;
    if (d[k] === null || d[k] === '') return null;
    const s = str(`auth.${k}`, d[k], { max: 4000 });
    if (hasControlChars(s)) throw invalid(`auth.${k}`, 'must be one line without control characters');
    return s;
  };
  const secrets = { clientSecret: one('clientSecret'), refreshToken: one('refreshToken') };
  if (secrets.clientSecret && d.clientSecretRef) throw invalid('auth.clientSecret', 'and auth.clientSecretRef are mutually exclusive: give one');
  return secrets;
}

/** The token endpoint an account's OAuth2 settings use. */
export function tokenUrlOf(a: OAuth2Settings): string {
  if (a.tokenUrl) return a.tokenUrl;
  if (a.provider === 'generic') throw invalid('auth.tokenUrl', 'is required for a generic provider');
  return ENDPOINTS[a.provider](a.tenantId ?? 'common');
}

const AUTHORIZE: Record<Exclude<OAuth2Provider, 'generic'>, (tenant: string) => string> = {
  microsoft: (tenant) => `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`,
  google: () => 'https://accounts.google.com/o/oauth2/v2/auth',
};

/** Where "Connect" sends the browser (authorization code with PKCE). */
export function authorizeUrlOf(a: OAuth2Settings): string {
  if (a.authorizeUrl) return a.authorizeUrl;
  if (a.provider === 'generic') throw invalid('auth.authorizeUrl', 'is required to connect a generic provider: its authorization endpoint');
  return AUTHORIZE[a.provider](a.tenantId ?? 'common');
}

/** The grant: a refresh token when one is stored, else the app's own token (client credentials). */
export function grantOf(hasRefreshToken: boolean): 'refresh_token' | 'client_credentials' {
  return hasRefreshToken ? 'refresh_token' : 'client_credentials';
}

export function scopeOf(a: OAuth2Settings, grant: 'refresh_token' | 'client_credentials'): string {
  if (a.scope) return a.scope;
  if (a.provider === 'google') return GOOGLE_SCOPE;
  if (a.provider === 'microsoft') return grant === 'client_credentials' ? MICROSOFT_APP_SCOPE : MICROSOFT_DELEGATED_SCOPE;
  return '';
}

/** How an OAuth2 account's token is doing, for the account page: never the token. */
export interface TokenHealth {
  status: 'ok' | 'error' | 'unknown';
  grant: 'refresh_token' | 'client_credentials';
  expiresAt: number | null;
  checkedAt: number | null;
  error: { message: string; hint?: string } | null;
}

/** Changing one of these sends the stored client secret and refresh token somewhere new: they must be typed again. */
export function authMoved(before: AccountAuth, after: AccountAuth): boolean {
  if (before.type !== 'oauth2' || after.type !== 'oauth2') return before.type !== after.type;
  return before.provider !== after.provider || before.tenantId !== after.tenantId || before.clientId !== after.clientId || tokenUrlOf(before) !== tokenUrlOf(after);
}
