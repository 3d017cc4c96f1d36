import { useState } from 'react';
import { api, type ListedSecret, type NamedSecret, type ProviderKind, type SecretProvider } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { ChoiceSelect, ErrorBox, Field, Select, type Choice } from '../../ui/index.js';
import { KINDS } from '../secrets/kinds.js';
import { TestOutcome, useProviderTest } from '../secrets/ProviderTest.js';

/** Where an account's password comes from: typed in (stored encrypted), or one of the references. */
export type InputType = 'plain' | 'internal' | ProviderKind | 'reference' | 'oauth2';

const TYPES: Choice<InputType>[] = [
  { value: 'plain', label: 'Plain text (stored encrypted)' },
  { value: 'internal', label: 'Internal secret' },
  { value: 'azure-keyvault', label: 'Azure Key Vault' },
  { value: 'cyberark', label: 'CyberArk' },
  { value: 'vault', label: 'HashiCorp Vault' },
  { value: 'reference', label: 'Environment variable or file' },
  { value: 'oauth2', label: 'OAuth2 (Microsoft 365, Google)' },
];

/** Splits a stored reference into the form's parts. */
export function parseRef(ref: string | null | undefined): { type: InputType; providerId: string; target: string } {
  if (!ref) return { type: 'plain', providerId: '', target: '' };
  const kind = ref.slice(0, ref.indexOf(':'));
  const rest = ref.slice(ref.indexOf(':') + 1);
  if (kind === 'internal') return { type: 'internal', providerId: '', target: rest };
  if (kind === 'azure-keyvault' || kind === 'cyberark' || kind === 'vault') {
    const slash = rest.indexOf('/');
    return { type: kind, providerId: rest.slice(0, slash), target: rest.slice(slash + 1) };
  }
  return { type: 'reference', providerId: '', target: ref };
}

/** The reference the parts make, or null for a typed password. */
export function buildRef(type: InputType, providerId: string, target: string): string | null {
  const t = target.trim();
  if (type === 'plain' || type === 'oauth2') return null;
  if (type === 'reference') return t || null;
  if (type === 'internal') return t ? `internal:${t}` : null;
  return providerId && t ? `${type}:${providerId}/${t}` : null;
}

/**
 * A row of its own, the select as wide as its longest choice: in a column of the form grid
 * (200 px of text at 1366 px, where the grid has four) "OAuth2 (Microsoft 365, Google)" was cut
 * off. What the choice brings (the password, a reference, the OAuth2 settings) follows below it.
 */
export function InputTypeSelect({ id, value, onChange }: { id: string; value: InputType; onChange(v: InputType): void }) {
  return (
    <Field label="Password input type" id={`${id}-pwtype`} wide>
      <ChoiceSelect id={`${id}-pwtype`} className="select-own-width" choices={TYPES} value={value} onChange={onChange} />
    </Field>
  );
}

/**
 * The reference part of the password field: a named internal secret, or a provider of the chosen
 * kind and the secret in it (picked from what the provider lists, where its API can list), with a
 * Test that says "found, N characters, version X" or the provider's error.
 */
export function ReferencePicker({ id, type, providerId, target, onChange }: { id: string; type: Exclude<InputType, 'plain' | 'oauth2'>; providerId: string; target: string; onChange(p: { providerId?: string; target?: string }): void }) {
  if (type === 'reference') {
    return (
      <Field label="Reference" id={`${id}-ref`} hint='"env:SMTP_PASSWORD" (a variable of the Mailroom process) or "file:/run/secrets/smtp" (read when a connection opens).' wide>
        <input id={`${id}-ref`} value={target} onChange={(e) => onChange({ target: e.target.value })} spellCheck={false} />
      </Field>
    );
  }
  if (type === 'internal') return <InternalPicker id={id} target={target} onChange={(t) => onChange({ target: t })} />;
  return <ProviderPicker id={id} kind={type} providerId={providerId} target={target} onChange={onChange} />;
}

function InternalPicker({ id, target, onChange }: { id: string; target: string; onChange(t: string): void }) {
  const secrets = useList<NamedSecret>('/secrets');
  return (
    <Field label="Internal secret" id={`${id}-internal`} hint={secrets.items.length ? 'Rotate it under Secrets: every account using it follows.' : 'None yet: add one under Secrets.'}>
      <Select id={`${id}-internal`} options={secrets.items} valueOf={(s) => s.name} labelOf={(s) => (s.description ? `${s.name} — ${s.description}` : s.name)} none="Choose…" value={target} onChange={onChange} />
    </Field>
  );
}

function ProviderPicker({ id, kind, providerId, target, onChange }: { id: string; kind: ProviderKind; providerId: string; target: string; onChange(p: { providerId?: string; target?: string }): void }) {
  const providers = useList<SecretProvider>('/secret-providers');
  const ofKind = providers.items.filter((p) => p.kind === kind);
  const info = KINDS[kind];
  const browse = useAction();
  const [listed, setListed] = useState<ListedSecret[] | null>(null);
  const test = useProviderTest();
  const load = async (path = '') => {
    const r = await browse.run(() => api.get<{ items: ListedSecret[] }>(`/secret-providers/${providerId}/secrets${path ? `?path=${encodeURIComponent(path)}` : ''}`));
    if (r) setListed(r.items);
  };
  return (
    <>
      <Field label={`${info.label} provider`} id={`${id}-provider`} hint={ofKind.length ? undefined : `No ${info.label} provider yet: add one under Secrets.`}>
        <Select
          id={`${id}-provider`}
          options={ofKind}
          valueOf={(p) => p.id}
          labelOf={(p) => p.name}
          none="Choose…"
          value={providerId}
          onChange={(chosen) => {
            setListed(null);
            onChange({ providerId: chosen });
          }}
        />
      </Field>
      <div className="field field-wide">
        <label htmlFor={`${id}-secret`}>Secret ({info.refHint})</label>
        <div className="inline">
          <input id={`${id}-secret`} value={target} onChange={(e) => onChange({ target: e.target.value })} placeholder={info.placeholder} spellCheck={false} />
          {info.canList ? (
            <button type="button" className="btn btn-small" disabled={!providerId || browse.busy} onClick={() => void load()}>
              Browse
            </button>
          ) : null}
          <button type="button" className="btn btn-small" disabled={!providerId || !target.trim() || test.busy} onClick={() => void test.run(providerId, target.trim())}>
            {test.busy ? 'Testing…' : 'Test'}
          </button>
        </div>
        {!info.canList ? <small className="hint">CyberArk's Credential Provider cannot list a safe: type the safe and object.</small> : null}
        {listed ? (
          <select aria-label="Secrets the provider offers" size={Math.min(6, Math.max(2, listed.length))} value="" onChange={(e) => {
            const item = listed.find((l) => l.name === e.target.value);
            if (!item) return;
            if (item.folder) void load(item.name.replace(/\/$/, ''));
            else onChange({ target: item.reference!.slice(item.reference!.indexOf('/') + 1) });
          }}>
            {listed.length === 0 ? <option disabled>Nothing here</option> : null}
            {listed.map((l) => (
              <option key={l.name} value={l.name}>
                {l.folder ? `${l.name} (folder)` : l.name}
              </option>
            ))}
          </select>
        ) : null}
        <ErrorBox error={browse.error ?? test.error} />
        <TestOutcome result={test.result} />
      </div>
    </>
  );
}
