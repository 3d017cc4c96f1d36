import type { MailAccount } from '../../api.js';

/** An account's OAuth2 settings as the API shows them (write-only parts as `…Set`). */
export type StoredOAuth2 = Extract<MailAccount['auth'], { type: 'oauth2' }>;
export type OAuth2Provider = StoredOAuth2['provider'];

/**
 * What the OAuth2 part of the account form holds: every setting of the API's `auth` object.
 * The client secret and the refresh token are write-only: empty keeps what is stored, and they
 * are sent only when typed. The client secret is typed in, or read from a secret reference.
 */
export interface OAuth2Draft {
  provider: OAuth2Provider;
  tenantId: string;
  clientId: string;
  secretSource: 'typed' | 'reference';
  clientSecret: string;
  clientSecretRef: string;
  tokenUrl: string;
  authorizeUrl: string;
  scope: string;
  caCertificate: string;
  refreshToken: string;
  removeRefreshToken: boolean;
}

export function oauth2Draft(stored: StoredOAuth2 | undefined): OAuth2Draft {
  return {
    provider: stored?.provider ?? 'microsoft',
    tenantId: stored?.tenantId ?? '',
    clientId: stored?.clientId ?? '',
    secretSource: stored?.clientSecretRef ? 'reference' : 'typed',
    clientSecret: '',
    clientSecretRef: stored?.clientSecretRef ?? '',
    tokenUrl: stored?.tokenUrl ?? '',
    authorizeUrl: stored?.authorizeUrl ?? '',
    scope: stored?.scope ?? '',
    caCertificate: stored?.caCertificate ?? '',
    refreshToken: '',
    removeRefreshToken: false,
  };
}

/** `v` trimmed, or nothing: the API takes a setting left out as its default (`auth` is replaced whole). */
const given = (key: string, v: string) => (v.trim() ? { [key]: v.trim() } : {});

/** The `auth` object to send: every setting shown, the write-only ones only when typed (or removed). */
export function oauth2Body(d: OAuth2Draft): Record<string, unknown> {
  return {
    type: 'oauth2',
    provider: d.provider,
    // The tenant names Microsoft's endpoints; the form shows it for Microsoft only.
    ...(d.provider === 'microsoft' ? given('tenantId', d.tenantId) : {}),
    clientId: d.clientId.trim(),
    ...(d.secretSource === 'reference' ? given('clientSecretRef', d.clientSecretRef) : d.clientSecret ? { clientSecret: d.clientSecret } : {}),
    ...given('tokenUrl', d.tokenUrl),
    ...given('authorizeUrl', d.authorizeUrl),
    ...given('scope', d.scope),
    ...given('caCertificate', d.caCertificate),
    ...(d.removeRefreshToken ? { refreshToken: null } : d.refreshToken ? { refreshToken: d.refreshToken } : {}),
  };
}

/**
 * The `auth` to send on a save, or undefined when the form shows the stored settings unchanged
 * (nothing typed): an untouched section is not sent, as the form's other sections.
 */
export function oauth2Change(d: OAuth2Draft, stored: StoredOAuth2 | undefined): Record<string, unknown> | undefined {
  const body = oauth2Body(d);
  return stored && JSON.stringify(body) === JSON.stringify(oauth2Body(oauth2Draft(stored))) ? undefined : body;
}

/**
 * Whether this save will need the client secret typed again, as the API rules: the provider,
 * tenant, client id or token URL changes (or the account's server or login), the stored secret
 * is a typed one, and no new one is given. The refresh token is dropped then too.
 */
export function needsSecretAgain(d: OAuth2Draft, stored: StoredOAuth2 | undefined, repointed: boolean): boolean {
  if (!stored?.clientSecretSet || d.secretSource !== 'typed' || d.clientSecret) return false;
  const tenant = d.provider === 'microsoft' ? d.tenantId.trim() : '';
  return repointed || d.provider !== stored.provider || tenant !== (stored.tenantId ?? '') || d.clientId.trim() !== stored.clientId || d.tokenUrl.trim() !== (stored.tokenUrl ?? '');
}

/** The API's field paths for the OAuth2 settings ("auth.tenantId"): each is said at its own field. */
export function isOAuth2Field(field: string | null): boolean {
  return field === 'auth' || Boolean(field?.startsWith('auth.'));
}
