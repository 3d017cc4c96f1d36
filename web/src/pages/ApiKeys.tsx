import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Badge, ConfirmButton, Empty, ErrorBox, Field, PageHeader, Spinner } from '../components/ui.js';
import { formatDate } from '../format.js';
import { useAction, useResource } from '../hooks.js';
import type { ApiKey, Page } from '../types.js';

const SCOPES = [
  ['send', 'send mail and events'],
  ['read', 'read the logs'],
  ['admin', 'everything'],
] as const;

export function ApiKeys() {
  const keys = useResource(() => api.get<Page<ApiKey>>('/api-keys'), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['send']));
  const [allowOverride, setAllowOverride] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction();
  const revoke = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create.run(() => api.post<ApiKey & { key: string }>('/api-keys', { name: name.trim(), scopes: [...scopes], allowOverride }));
    if (r) {
      setCreated({ name: r.name, key: r.key });
      setCopied(false);
      setName('');
      keys.reload();
    }
  };
  const toggle = (s: string) =>
    setScopes((x) => {
      const n = new Set(x);
      if (n.has(s)) n.delete(s);
      else n.add(s);
      return n;
    });
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <>
      <PageHeader title="API keys" subtitle="Keys for applications: send with “send”, read logs with “read”." />
      {created ? (
        <section className="card key-once" aria-labelledby="key-once-h" data-testid="new-api-key">
          <h2 id="key-once-h">New key “{created.name}”</h2>
          <p>
            <strong>Copy it now: it is shown this once and never again.</strong> Mailroom stores only a hash.
          </p>
          <div className="inline">
            <code className="secret" aria-label="The new API key">
              {created.key}
            </code>
            <button type="button" className="btn btn-small" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}
      <ErrorBox error={keys.error} />
      <ErrorBox error={revoke.error} title="Not revoked" />
      {keys.loading && !keys.data ? <Spinner /> : null}
      {keys.data?.items.length === 0 ? <Empty title="No API keys yet">Create one below for each application that sends mail.</Empty> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id} className={k.revokedAt ? 'revoked' : undefined}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key">
                    <code>{k.prefix}…</code>
                  </td>
                  <td data-label="Scopes">
                    {k.scopes.map((s) => (
                      <Badge key={s}>{s}</Badge>
                    ))}
                    {k.allowOverride ? <Badge kind="info">override</Badge> : null}
                  </td>
                  <td data-label="Last used">{k.lastUsedAt ? formatDate(k.lastUsedAt) : 'never'}</td>
                  <td className="row-actions">
                    {k.revokedAt ? (
                      <Badge kind="bad">revoked {formatDate(k.revokedAt)}</Badge>
                    ) : (
                      <ConfirmButton label="Revoke" className="btn btn-small btn-danger" question={`Revoke “${k.name}”? Applications using it stop working.`} onConfirm={() => void revoke.run(() => api.del(`/api-keys/${k.id}`).then(keys.reload))} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form className="card form" onSubmit={submit} aria-labelledby="new-key-h">
        <h2 id="new-key-h">Create a key</h2>
        <div className="form-grid">
          <Field label="Name" id="key-name" hint="Which application uses it.">
            <input id="key-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <fieldset className="field">
            <legend>Scopes</legend>
            {SCOPES.map(([s, help]) => (
              <label key={s} className="checkbox-inline">
                <input type="checkbox" checked={scopes.has(s)} onChange={() => toggle(s)} /> {s} <span className="muted small">— {help}</span>
              </label>
            ))}
          </fieldset>
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={allowOverride} onChange={(e) => setAllowOverride(e.target.checked)} /> May choose the account per message
            </label>
          </div>
        </div>
        <ErrorBox error={create.error} title="Not created" />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.busy || scopes.size === 0}>
            {create.busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </>
  );
}
