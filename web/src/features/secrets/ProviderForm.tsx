import { useState, type FormEvent } from 'react';
import { api, type ProviderKind, type SecretProvider } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, errorFor, Field, FieldError, FormActions, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { KIND_ORDER, KINDS } from './kinds.js';

type Draft = Record<string, string>;

/**
 * A setting a kind asks for: `placeholder` is an example of the value, short enough for a phone's
 * field; `hint`, below the field, says what the example cannot (where to find the value, what
 * empty means), never the example again.
 */
interface Setting {
  key: string;
  label: string;
  placeholder: string;
  hint?: string;
  multiline?: boolean;
}

/** The settings each kind asks for. Credentials are separate and write-only. */
const CONFIG: Record<ProviderKind, Setting[]> = {
  vault: [
    { key: 'address', label: 'Address', placeholder: 'https://vault.example.com:8200', hint: 'Where Vault answers, with its port.' },
    { key: 'mount', label: 'KV v2 mount', placeholder: 'secret', hint: 'The KV version 2 secrets engine; empty: secret.' },
    { key: 'namespace', label: 'Namespace', placeholder: 'mail-team', hint: 'Vault Enterprise only; empty: the root namespace.' },
  ],
  'azure-keyvault': [
    { key: 'vaultUrl', label: 'Vault URI', placeholder: 'https://my-vault.vault.azure.net', hint: 'On the key vault’s Overview page in the Azure portal.' },
    { key: 'tenantId', label: 'Directory (tenant) ID', placeholder: 'contoso.onmicrosoft.com', hint: 'The app registration’s tenant: its GUID or its domain name.' },
    { key: 'clientId', label: 'Application (client) ID', placeholder: 'a GUID', hint: 'The app registration Mailroom signs in as; the vault must let it read secrets.' },
    { key: 'authorityHost', label: 'Authority host', placeholder: 'https://login.microsoftonline.com', hint: 'Empty: the public Azure cloud; a national cloud has its own.' },
  ],
  cyberark: [
    { key: 'baseUrl', label: 'CCP URL', placeholder: 'https://ccp.example.com', hint: 'The Central Credential Provider’s address.' },
    { key: 'appId', label: 'AppID', placeholder: 'Mailroom', hint: 'The application defined in CyberArk for Mailroom.' },
    { key: 'clientCertificate', label: 'Client certificate (PEM)', placeholder: '-----BEGIN CERTIFICATE-----', hint: 'CCP knows Mailroom by this certificate; its private key goes in “Client private key” below.', multiline: true },
  ],
};

function credentialFields(kind: ProviderKind, auth: string): [string, string][] {
  if (kind === 'vault') return auth === 'approle' ? [['roleId', 'Role ID'], ['secretId', 'Secret ID']] : [['token', 'Token']];
  return kind === 'azure-keyvault' ? [['clientSecret', 'Client secret']] : [['clientKey', 'Client private key (PEM)']];
}

/** Adds a secret provider; its credentials go in once and are never shown again. */
export function ProviderForm({ onCreated }: { onCreated(p: SecretProvider): void }) {
  const [kind, setKind] = useState<ProviderKind>('azure-keyvault');
  const [name, setName] = useState('');
  const [auth, setAuth] = useState('token');
  const [config, setConfig] = useState<Draft>({});
  const [credentials, setCredentials] = useState<Draft>({});
  // Only the settings of the kind shown are sent: values typed under another kind stay in the
  // form (switching back finds them) but would be refused as unknown fields the admin cannot see.
  const shown = new Set([...CONFIG[kind].map((s) => s.key), 'caCertificate']);
  const cfg: Record<string, unknown> = Object.fromEntries(
    Object.entries(config)
      .filter(([k, v]) => shown.has(k) && v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
  if (kind === 'vault') cfg.auth = auth;
  const creds = Object.fromEntries(credentialFields(kind, auth).map(([k]) => [k, credentials[k] ?? '']));
  const body = { name: name.trim(), kind, config: cfg, credentials: creds };
  // A refusal speaks of what was sent: it goes once the form is edited.
  const save = useAction(body);
  // What was typed, under any kind (switching back finds it, see above); choosing a kind alone is no work to lose.
  const typed = (draft: Draft) => Object.entries(draft).filter(([, v]) => v !== '').sort(([a], [b]) => a.localeCompare(b));
  const { dirty } = useUnsavedChanges(JSON.stringify([name, typed(config), typed(credentials)]));
  // "config.address: …" beside Address, "credentials.token: …" beside Token, in words.
  const err = (field: string) => errorFor(save.field, save.error, field);
  const invalid = (field: string) => (err(field) ? true : undefined);
  const shownAtField = ['name', ...[...shown].map((k) => `config.${k}`), ...credentialFields(kind, auth).map(([k]) => `credentials.${k}`)].some((f) => err(f));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await save.run(() => api.post<SecretProvider>('/secret-providers', body));
    if (created) {
      setName('');
      setConfig({});
      setCredentials({});
      onCreated(created);
    }
  };
  return (
    <form onSubmit={submit} className="card form" aria-label="New secret provider">
      <h3>Add a provider</h3>
      <div className="form-grid">
        <Field label="Kind" id="spv-kind">
          <select id="spv-kind" value={kind} onChange={(e) => setKind(e.target.value as ProviderKind)}>
            {KIND_ORDER.map((k) => (
              <option key={k} value={k}>
                {KINDS[k].label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Name" id="spv-name">
          <input id="spv-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} placeholder="Key Vault prod" aria-invalid={invalid('name')} />
          <FieldError id="spv-name-err" message={err('name')} />
        </Field>
        {kind === 'vault' ? (
          <Field label="Log in with" id="spv-auth">
            <select id="spv-auth" value={auth} onChange={(e) => setAuth(e.target.value)}>
              <option value="token">Token</option>
              <option value="approle">AppRole</option>
            </select>
          </Field>
        ) : null}
        {CONFIG[kind].map(({ key: k, label, hint, placeholder, multiline }) => (
          <Field key={`${kind}-${k}`} label={label} id={`spv-${k}`} hint={hint} wide={multiline}>
            {multiline ? (
              <textarea id={`spv-${k}`} rows={4} value={config[k] ?? ''} onChange={(e) => setConfig({ ...config, [k]: e.target.value })} placeholder={placeholder} spellCheck={false} aria-invalid={invalid(`config.${k}`)} aria-describedby={hint ? `spv-${k}-hint` : undefined} />
            ) : (
              <input id={`spv-${k}`} value={config[k] ?? ''} onChange={(e) => setConfig({ ...config, [k]: e.target.value })} placeholder={placeholder} spellCheck={false} aria-invalid={invalid(`config.${k}`)} aria-describedby={hint ? `spv-${k}-hint` : undefined} />
            )}
            <FieldError id={`spv-${k}-err`} message={err(`config.${k}`)} />
          </Field>
        ))}
        <Field label="CA certificate (PEM, optional)" id="spv-ca" hint="Only for a private CA or a self-signed certificate; the system CAs are always trusted." wide>
          <textarea id="spv-ca" rows={3} value={config.caCertificate ?? ''} onChange={(e) => setConfig({ ...config, caCertificate: e.target.value })} spellCheck={false} aria-invalid={invalid('config.caCertificate')} />
          <FieldError id="spv-ca-err" message={err('config.caCertificate')} />
        </Field>
        {credentialFields(kind, auth).map(([k, label]) =>
          k === 'clientKey' ? (
            <Field key={k} label={label} id={`spv-cred-${k}`} hint="Write-only: stored encrypted, never shown again." wide>
              <textarea id={`spv-cred-${k}`} rows={4} value={credentials[k] ?? ''} onChange={(e) => setCredentials({ ...credentials, [k]: e.target.value })} spellCheck={false} autoComplete="off" aria-invalid={invalid(`credentials.${k}`)} />
              <FieldError id={`spv-cred-${k}-err`} message={err(`credentials.${k}`)} />
            </Field>
          ) : (
            <Field key={k} label={label} id={`spv-cred-${k}`} hint="Write-only: stored encrypted, never shown again.">
              <input id={`spv-cred-${k}`} type="password" value={credentials[k] ?? ''} onChange={(e) => setCredentials({ ...credentials, [k]: e.target.value })} autoComplete="new-password" aria-invalid={invalid(`credentials.${k}`)} />
              <FieldError id={`spv-cred-${k}-err`} message={err(`credentials.${k}`)} />
            </Field>
          ),
        )}
      </div>
      <ErrorBox error={shownAtField ? null : save.error} title="Not saved" />
      <FormActions submit={{ label: 'Add provider', busy: save.busy }} />
      <UnsavedChangesGuard dirty={dirty} what="the new provider" />
    </form>
  );
}
