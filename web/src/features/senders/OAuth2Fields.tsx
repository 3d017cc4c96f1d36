import type { ReactNode } from 'react';
import { ChoiceSelect, errorFor, Field, FieldError, type Choice } from '../../ui/index.js';
import type { OAuth2Draft, OAuth2Provider, StoredOAuth2 } from './oauth2-draft.js';

const PROVIDERS: Choice<OAuth2Provider>[] = [
  { value: 'microsoft', label: 'Microsoft 365' },
  { value: 'google', label: 'Google' },
  { value: 'generic', label: 'Other (token URL)' },
];

const SECRET_SOURCES: Choice<OAuth2Draft['secretSource']>[] = [
  { value: 'typed', label: 'Typed in' },
  { value: 'reference', label: 'A secret reference' },
];

/** The default scope per provider, as the API uses it when Scope is empty (docs/oauth2.md). */
const DEFAULT_SCOPE: Record<OAuth2Provider, string> = {
  microsoft: 'app access: https://outlook.office365.com/.default; a connected mailbox: SMTP.Send, IMAP.AccessAsUser.All and offline_access',
  google: 'https://mail.google.com/',
  generic: 'none is sent',
};

interface Props {
  id: string;
  value: OAuth2Draft;
  onChange(d: OAuth2Draft): void;
  /** The settings as saved (an existing account): what empty write-only fields keep. */
  stored: StoredOAuth2 | undefined;
  /** This page shows the account's OAuth2 section (token health, Connect) under the form once it is saved with OAuth2: its own page. */
  connectBelow: boolean;
  /** The field the API blamed and its message (useAction's `field` and `error`). */
  field: string | null;
  error: string | null;
}

/**
 * Every OAuth2 setting of an account, for a new one and a saved one alike: provider, tenant,
 * client id, the client secret (typed or a reference), endpoints, scope, refresh token and CA.
 * The API's refusal is said at the field it names, in words ("must be an https:// URL"), never
 * as its path. Token health, Check token and Connect are in the OAuth2 section below the form.
 */
/**
 * Where Connect is, seen from where the form is. On the account's own page: in the OAuth2 section
 * below, or, for an account switched to OAuth2 here, there once saved (not "on the account's
 * page": this is it). Elsewhere (Add account, the wizard): on the account's page once saved.
 */
function connectWhere(stored: StoredOAuth2 | undefined, connectBelow: boolean) {
  if (connectBelow && stored) return { intro: ' Token health, Check token and Connect are in the OAuth2 section below.', refresh: 'Not set: Connect in the OAuth2 section below gets one, or paste one you have. Write-only.' };
  if (connectBelow)
    return {
      intro: ' Once these settings are saved, an OAuth2 section below has Check token and Connect (a signed-in mailbox).',
      refresh: 'Not set: Connect (below, once saved) gets one, or paste one you have. Write-only.',
    };
  return { intro: ' Connect (a signed-in mailbox) is on the account’s own page under Accounts once it is saved.', refresh: 'Not set: Connect on the account’s own page gets one, or paste one you have. Write-only.' };
}

export function OAuth2Fields({ id, value, onChange, stored, connectBelow, field, error }: Props) {
  const where = connectWhere(stored, connectBelow);
  const set = (p: Partial<OAuth2Draft>) => onChange({ ...value, ...p });
  // A reference's refusal, or the API's "a client secret is required", is said at the reference when that is what the form shows.
  const secretPaths = value.secretSource === 'reference' ? ['auth.clientSecretRef', 'auth.clientSecret'] : ['auth.clientSecret', 'auth.clientSecretRef'];
  const err = (path: string) => (path === 'auth.clientSecret' ? secretPaths.map((p) => errorFor(field, error, p)).find(Boolean) ?? null : errorFor(field, error, path));
  // The exact paths "auth" and "auth.type" have no field of their own: said at the provider.
  const providerError = err('auth.provider') ?? (field === 'auth' || field === 'auth.type' ? errorFor(field, error, field) : null);
  const control = (path: string, message = err(path)) => ({ 'aria-invalid': message ? true : undefined });
  const text = (key: 'tenantId' | 'clientId' | 'tokenUrl' | 'authorizeUrl' | 'scope', label: string, hint: ReactNode, extra: { required?: boolean } = {}) => (
    <Field label={label} id={`${id}-oa-${key}`} hint={hint}>
      <input id={`${id}-oa-${key}`} value={value[key]} onChange={(e) => set({ [key]: e.target.value })} spellCheck={false} autoComplete="off" {...extra} {...control(`auth.${key}`)} />
      <FieldError id={`${id}-oa-${key}-error`} message={err(`auth.${key}`)} />
    </Field>
  );
  return (
    <fieldset className="field-wide" data-testid="oauth2-settings">
      <legend>OAuth2 settings</legend>
      <p className="hint">
        Mailroom logs in with XOAUTH2 and a token it fetches and renews itself.{where.intro}
      </p>
      <div className="form-grid">
        <Field label="OAuth2 provider" id={`${id}-oa-provider`}>
          <ChoiceSelect id={`${id}-oa-provider`} choices={PROVIDERS} value={value.provider} onChange={(provider) => set({ provider })} />
          <FieldError id={`${id}-oa-provider-error`} message={providerError} />
        </Field>
        {value.provider === 'microsoft' ? text('tenantId', 'Directory (tenant) ID', 'The app registration’s directory: a GUID or its domain.', { required: true }) : null}
        {text('clientId', 'Application (client) ID', null, { required: true })}
        <Field label="Client secret from" id={`${id}-oa-secret-source`}>
          <ChoiceSelect id={`${id}-oa-secret-source`} choices={SECRET_SOURCES} value={value.secretSource} onChange={(secretSource) => set({ secretSource })} />
        </Field>
        {value.secretSource === 'typed' ? (
          <Field label="Client secret" id={`${id}-oa-secret`} hint={`${stored?.clientSecretSet ? 'Set. Leave empty to keep the current client secret. ' : ''}Write-only: stored encrypted, never shown again.`}>
            <input
              id={`${id}-oa-secret`}
              type="password"
              value={value.clientSecret}
              onChange={(e) => set({ clientSecret: e.target.value })}
              autoComplete="new-password"
              placeholder={stored?.clientSecretSet ? 'New client secret' : value.provider === 'generic' ? 'None (a public client)' : 'Not set'}
              {...control('auth.clientSecret')}
            />
            <FieldError id={`${id}-oa-secret-error`} message={err('auth.clientSecret')} />
          </Field>
        ) : (
          <Field label="Client secret reference" id={`${id}-oa-secret-ref`} hint='Read when a token is fetched: "internal:<name>", "vault:<provider>/<path>#<field>", "azure-keyvault:<provider>/<name>", "env:NAME" or "file:/path".'>
            <input id={`${id}-oa-secret-ref`} value={value.clientSecretRef} onChange={(e) => set({ clientSecretRef: e.target.value })} spellCheck={false} autoComplete="off" {...control('auth.clientSecret')} />
            <FieldError id={`${id}-oa-secret-ref-error`} message={err('auth.clientSecret')} />
          </Field>
        )}
        {text('tokenUrl', 'Token URL', value.provider === 'generic' ? 'Required: the provider’s OAuth2 token endpoint (https://).' : 'Empty: the provider’s own.')}
        {text('authorizeUrl', 'Authorization URL', value.provider === 'generic' ? 'Where Connect signs in (https://); empty: no Connect, client credentials only.' : 'Empty: the provider’s own.')}
        {text('scope', 'Scope', `Space-separated. Empty: ${DEFAULT_SCOPE[value.provider]}.`)}
        <Field label="Refresh token" id={`${id}-oa-refresh`} hint={stored?.refreshTokenSet ? 'Set (by Connect, or pasted). Leave empty to keep the current refresh token. Write-only.' : where.refresh}>
          <input
            id={`${id}-oa-refresh`}
            type="password"
            value={value.refreshToken}
            onChange={(e) => set({ refreshToken: e.target.value, removeRefreshToken: false })}
            autoComplete="new-password"
            placeholder={stored?.refreshTokenSet ? 'New refresh token' : 'Not set'}
            disabled={value.removeRefreshToken}
            {...control('auth.refreshToken')}
          />
          <FieldError id={`${id}-oa-refresh-error`} message={err('auth.refreshToken')} />
          {stored?.refreshTokenSet ? (
            <label className="small">
              <input type="checkbox" checked={value.removeRefreshToken} onChange={(e) => set({ removeRefreshToken: e.target.checked, refreshToken: '' })} /> Remove it (back to app access: client credentials)
            </label>
          ) : null}
        </Field>
        <Field label="CA certificate (PEM)" id={`${id}-oa-ca`} hint="Only for a token endpoint with a private CA; the system CAs are always trusted." wide>
          <textarea id={`${id}-oa-ca`} rows={3} value={value.caCertificate} onChange={(e) => set({ caCertificate: e.target.value })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" {...control('auth.caCertificate')} />
          <FieldError id={`${id}-oa-ca-error`} message={err('auth.caCertificate')} />
        </Field>
      </div>
    </fieldset>
  );
}
